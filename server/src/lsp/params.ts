// Checks the shape of LSP parameters before a handler reads them: a client (or anything that can
// write to the server's input) may send any JSON, and a malformed request must be answered with
// InvalidParams (-32602), not with a JavaScript TypeError from deep inside a handler.
import type { Position, Range } from 'vscode-languageserver';

/** Thrown by the checks below; the server answers it with ErrorCodes.InvalidParams. */
export class InvalidParams extends Error {}

function fail(what: string): never {
  throw new InvalidParams(`invalid params: ${what}`);
}

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** LSP positions are non-negative integers (uinteger); fractions or NaN would corrupt offsets. */
function isUinteger(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0x7fffffff;
}

export function checkPosition(x: unknown, what = 'position'): Position {
  if (!isObject(x) || !isUinteger(x.line) || !isUinteger(x.character)) fail(`${what} must be { line, character } with non-negative integers`);
  return x as unknown as Position;
}

export function checkRange(x: unknown, what = 'range'): Range {
  if (!isObject(x)) fail(`${what} must be an object`);
  checkPosition(x.start, `${what}.start`);
  checkPosition(x.end, `${what}.end`);
  return x as unknown as Range;
}

export function checkTextDocument(params: unknown): string {
  if (!isObject(params) || !isObject(params.textDocument) || typeof params.textDocument.uri !== 'string') {
    fail('textDocument.uri must be a string');
  }
  return params.textDocument.uri as string;
}

/** hover and definition: a document and a position. Returns the params, checked. */
export function checkPositionParams<P>(params: P): P {
  checkTextDocument(params);
  checkPosition((params as Record<string, unknown>).position);
  return params;
}

/** inlayHint: a document and a range. Returns the params, checked. */
export function checkRangeParams<P>(params: P): P {
  checkTextDocument(params);
  checkRange((params as Record<string, unknown>).range);
  return params;
}

export function checkCodeActionParams<P>(params: P): P {
  checkTextDocument(params);
  const p = params as Record<string, unknown>;
  checkRange(p.range);
  if (!isObject(p.context)) fail('context must be an object');
  const { diagnostics, only } = p.context;
  if (!Array.isArray(diagnostics)) fail('context.diagnostics must be an array');
  diagnostics.forEach((d, i) => {
    if (!isObject(d)) fail(`context.diagnostics[${i}] must be an object`);
    checkRange(d.range, `context.diagnostics[${i}].range`);
  });
  if (only !== undefined && (!Array.isArray(only) || !only.every((o) => typeof o === 'string'))) fail('context.only must be an array of strings');
  return params;
}

/** flakeLens/inputGraph: optional list of URIs. */
export function checkInputGraphParams(params: unknown): string[] | undefined {
  if (params === undefined || params === null) return undefined;
  if (!isObject(params)) fail('params must be an object');
  const { uris } = params;
  if (uris === undefined || uris === null) return undefined;
  if (!Array.isArray(uris) || !uris.every((u) => typeof u === 'string')) fail('uris must be an array of strings');
  return uris;
}

/** didOpen: a full text document item. Returns false (the notification is dropped) when malformed. */
export function validDidOpen(params: unknown): boolean {
  if (!isObject(params) || !isObject(params.textDocument)) return false;
  const d = params.textDocument;
  return typeof d.uri === 'string' && typeof d.text === 'string' && typeof d.languageId === 'string' && typeof d.version === 'number';
}

/**
 * didChange: each change is `{ text }` or `{ range, text }` with numeric positions. The values of
 * the positions (negative, fractional, past the end) are the document store's to reject or clamp.
 */
export function validDidChange(params: unknown): boolean {
  if (!isObject(params) || !isObject(params.textDocument) || typeof params.textDocument.uri !== 'string') return false;
  if (typeof params.textDocument.version !== 'number' || !Array.isArray(params.contentChanges)) return false;
  const num = (p: unknown) => isObject(p) && typeof p.line === 'number' && typeof p.character === 'number';
  return params.contentChanges.every(
    (c) => isObject(c) && typeof c.text === 'string' && (c.range === undefined || (isObject(c.range) && num(c.range.start) && num(c.range.end))),
  );
}
