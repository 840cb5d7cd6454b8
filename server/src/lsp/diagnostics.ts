// Findings (offsets into a text) as LSP diagnostics (positions in a document).
import { pathToFileURL } from 'node:url';
import { Diagnostic, DiagnosticSeverity, DiagnosticTag } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Finding, Severity } from '../rules/findings';
import { docsUrl } from '../protocol';
import { spanRange } from './documents';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** What a diagnostic carries so a code action request can find its finding again. */
export interface DiagnosticData {
  id: string;
  version: number;
}

/**
 * The diagnostic of a finding in `doc`. Related locations in the other file of the flake
 * (flake.nix ↔ flake.lock) take their positions from `documentOf` that file.
 */
export function toDiagnostic(doc: TextDocument, f: Finding, data: DiagnosticData, documentOf: (uri: string) => TextDocument): Diagnostic {
  const d: Diagnostic = {
    range: spanRange(doc, f),
    severity: SEVERITY[f.severity],
    source: 'flake-lens',
    code: f.code,
    codeDescription: { href: docsUrl(f.code) },
    message: f.message,
    data,
  };
  if (f.related?.length) {
    d.relatedInformation = f.related.map((r) => {
      const other = r.file ? documentOf(pathToFileURL(r.file).href) : doc;
      return {
        location: { uri: other.uri, range: spanRange(other, r) },
        message: r.message,
      };
    });
  }
  if (f.tags?.length) d.tags = f.tags.map((t) => (t === 'unnecessary' ? DiagnosticTag.Unnecessary : DiagnosticTag.Deprecated));
  return d;
}
