// Placeholder until the refactors module lands (owned by the rules work).
import type { DocumentContext } from './context';
import type { Fix } from './findings';
export function refactorsAt(_ctx: DocumentContext, _start: number, _end: number): Fix[] {
  return [];
}
