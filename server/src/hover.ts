// Placeholder until the hover module lands (owned by the rules work): no hover yet.
import type { DocumentContext } from './context';
export function hoverAt(_ctx: DocumentContext, _offset: number): { start: number; end: number; markdown: string } | undefined {
  return undefined;
}
