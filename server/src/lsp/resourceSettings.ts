// The flakeLens settings of each document (settings are per resource: a folder may override them).
// A client that supports workspace/configuration is asked once per document, and the answer kept
// until the configuration changes; one that does not sends them with didChangeConfiguration, and
// they apply to every document.
import type { Connection } from 'vscode-languageserver/node';
import { DEFAULT_SETTINGS, Settings, resolveSettings } from '../config';

export class ResourceSettings {
  private readonly cache = new Map<string, Promise<Settings>>();
  private global: Settings = DEFAULT_SETTINGS;
  /** flakeLens.maxFileSize per document, as its last analysis read it. */
  private readonly sizeLimits = new Map<string, number>();

  constructor(
    private readonly connection: Connection,
    /** The client answers workspace/configuration. */
    readonly canAsk: boolean,
  ) {}

  get(uri: string): Promise<Settings> {
    if (!this.canAsk) return Promise.resolve(this.global);
    let s = this.cache.get(uri);
    if (!s) {
      s = this.connection.workspace.getConfiguration({ scopeUri: uri, section: 'flakeLens' }).then(resolveSettings, () => DEFAULT_SETTINGS);
      this.cache.set(uri, s);
    }
    return s;
  }

  /** didChangeConfiguration: forget every answer; `settings` are the client's, when it cannot be asked. */
  changed(settings: unknown): void {
    this.cache.clear();
    if (!this.canAsk) this.global = resolveSettings((settings as { flakeLens?: unknown })?.flakeLens);
  }

  /** The document was closed. */
  forget(uri: string): void {
    this.cache.delete(uri);
    this.sizeLimits.delete(uri);
  }

  /** The size limit a document is parsed with: the default until an analysis has read its settings. */
  sizeLimit(uri: string): number {
    return this.sizeLimits.get(uri) ?? DEFAULT_SETTINGS.maxFileSize;
  }

  /** Records the size limit an analysis read for a document; true when it differs from the one in use. */
  updateSizeLimit(uri: string, maxFileSize: number): boolean {
    if (maxFileSize === this.sizeLimit(uri)) return false;
    this.sizeLimits.set(uri, maxFileSize);
    return true;
  }
}
