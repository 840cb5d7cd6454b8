// Wraps the server's LSP handlers so that no message can take it down: a handler that throws is
// logged (a request is also answered with an error response), malformed params (InvalidParams from
// params.ts) get -32602, a request the client cancelled while it waited behind a slow one is
// answered at once without running, and one that overran the time budget is logged.
import { CancellationToken, ErrorCodes, LSPErrorCodes, RemoteConsole, ResponseError } from 'vscode-languageserver/node';
import { InvalidParams } from './params';
import { SLOW_REQUEST_MS } from './limits';

type Guarded<P, R> = (params: P, token?: CancellationToken) => Promise<R | ResponseError<void>>;

export class RequestGuard {
  constructor(private readonly console: RemoteConsole) {}

  /** A notification handler that logs a throw instead of passing it on. */
  notification<P>(what: string, fn: (params: P) => void): (params: P) => void {
    return (params) => {
      try {
        fn(params);
      } catch (e) {
        this.console.error(`${what} failed: ${describe(e)}`);
      }
    };
  }

  /** A request handler that answers a throw with an error response (see the file comment). */
  request<P, R>(what: string, fn: (params: P) => R | Promise<R>): Guarded<P, R> {
    return async (params, token) => {
      if (token?.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, `Flake Lens: ${what} cancelled`);
      const t0 = performance.now();
      try {
        return await fn(params);
      } catch (e) {
        if (e instanceof InvalidParams) return new ResponseError(ErrorCodes.InvalidParams, `Flake Lens: ${what}: ${e.message}`);
        this.console.error(`${what} failed: ${describe(e)}`);
        return new ResponseError(ErrorCodes.InternalError, `Flake Lens: ${what} failed: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        const ms = performance.now() - t0;
        if (ms > SLOW_REQUEST_MS) this.console.warn(`${what} took ${ms.toFixed(0)} ms, over the ${SLOW_REQUEST_MS} ms budget`);
      }
    };
  }
}

/** The answer to a request no handler took: before initialize that is every one (handlers are registered then). */
export function unhandledRequest(method: string, initialized: boolean): ResponseError<void> {
  return initialized
    ? new ResponseError(ErrorCodes.MethodNotFound, `Flake Lens: unhandled method ${method}`)
    : new ResponseError(ErrorCodes.ServerNotInitialized, `Flake Lens: ${method} before initialize`);
}

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
