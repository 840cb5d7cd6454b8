// When documents are analysed: an open document after its edits have paused for
// flakeLens.debounceMs (or at once when opened, or when the settings changed), and a flake after
// its flake.lock changed (its open flake.nix, or the lock on its own when the flake.nix is
// closed). A burst of changes costs one analysis.
import type { RemoteConsole } from 'vscode-languageserver/node';
import type { Analysis } from './analysis';
import type { DocumentStore } from './documents';
import type { ResourceSettings } from './resourceSettings';
import { siblingUri } from './workspace';

export class AnalysisScheduler {
  /** Pending analysis per open document. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Pending analysis of a flake.lock on its own (its flake.nix is closed), per lock URI. */
  private readonly lockTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly analysis: Analysis,
    private readonly store: DocumentStore,
    private readonly settings: ResourceSettings,
    private readonly console: RemoteConsole,
  ) {}

  /** Analyses an open document at once (next tick), or after flakeLens.debounceMs without a change. */
  schedule(uri: string, when: 'now' | 'debounced'): void {
    clearTimeout(this.timers.get(uri));
    const run = () => {
      this.timers.delete(uri);
      void this.analysis.publish(uri).catch((e) => this.console.error(`analysis of ${uri} failed: ${String(e?.stack ?? e)}`));
    };
    if (when === 'now') {
      this.timers.set(uri, setTimeout(run, 0));
      return;
    }
    void this.settings.get(uri).then((s) => {
      clearTimeout(this.timers.get(uri));
      this.timers.set(uri, setTimeout(run, s.debounceMs));
    });
  }

  /** flake.lock changed (buffer or disk): re-analyse its flake.nix, open or not, after `delay` ms. */
  lockChanged(lockUri: string, deleted = false, delay = 0): void {
    const flakeUri = siblingUri(lockUri, 'flake.nix');
    clearTimeout(this.lockTimers.get(lockUri));
    this.lockTimers.delete(lockUri);
    if (this.store.get(flakeUri)) {
      // Debounced by flakeLens.debounceMs: a burst of lock edits analyses once.
      this.schedule(flakeUri, delay === 0 ? 'now' : 'debounced');
      return;
    }
    this.lockTimers.set(
      lockUri,
      setTimeout(() => {
        this.lockTimers.delete(lockUri);
        void this.analysis.publishLockAlone(lockUri, deleted).catch((e) => this.console.error(`lock analysis failed: ${String(e)}`));
      }, delay),
    );
  }

  /** The document was closed: its pending analysis is dropped. */
  cancel(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const t of this.lockTimers.values()) clearTimeout(t);
  }
}
