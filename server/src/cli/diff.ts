// A unified diff of two texts, for `flake-lens fix --dry-run`: jsdiff's, with file headers only
// (no "Index:" line), so `patch -p1` and `git apply` take it; "\ No newline at end of file" included.
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';

export function unifiedDiff(oldText: string, newText: string, oldName: string, newName: string, context = 3): string {
  if (oldText === newText) return '';
  return createTwoFilesPatch(oldName, newName, oldText, newText, undefined, undefined, { context, headerOptions: FILE_HEADERS_ONLY });
}
