#!/usr/bin/env node
// End-to-end tests of the packaged extension in a real VS Code: code-server (Code 1.99) with its
// extension host, driven by headless Chromium through playwright-core.
//
//   node scripts/e2e-code-server.mjs [--vsix flake-lens.vsix] [--grep RE] [--no-ui | --ui-only]
//                                    [--update-screenshots] [--keep] [--trace]
//
// 1. Installs code-server into a cache (scripts/install-code-server.sh; instant once cached).
// 2. Compiles test/e2e/**/*.ts with esbuild into out/test/e2e/.
// 3. Installs the extension's .vsix and the test-runner extension (test/e2e/runner-extension)
//    into an isolated extensions dir, with an isolated user-data dir.
// 4. API phase: opens a copy of test/e2e/workspace in the workbench; the runner extension runs
//    mocha over out/test/e2e/suite/*.test.js in the extension host and writes JSON results.
// 5. UI phase: a fresh code-server on another copy; test/e2e/ui/ui.mjs drives the workbench with
//    the keyboard and takes screenshots (docs/images/ with --update-screenshots).
// Prints `N passed, N failed` last; exits 1 on any failure or when no test ran.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { compileE2e } from './e2e-compile.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    vsix: { type: 'string', default: process.env.FLAKE_LENS_VSIX || join(root, 'flake-lens.vsix') },
    grep: { type: 'string' },
    'no-ui': { type: 'boolean', default: false },
    'ui-only': { type: 'boolean', default: false },
    'update-screenshots': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    trace: { type: 'boolean', default: false },
    chromium: { type: 'string', default: process.env.CHROMIUM_PATH || '/usr/bin/chromium' },
    'api-timeout': { type: 'string', default: process.env.FLAKE_LENS_E2E_API_TIMEOUT_S || '420' },
    'ui-timeout': { type: 'string', default: process.env.FLAKE_LENS_E2E_UI_TIMEOUT_S || '240' },
  },
});

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const say = (msg) => console.log(`[e2e ${elapsed()}] ${msg}`);
const tests = []; // { phase, title, state: 'passed'|'failed'|'pending', error? }
const cleanups = [];
let cleaningUp = false;

async function cleanup() {
  if (cleaningUp) return;
  cleaningUp = true;
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch (err) {
      console.error(`[e2e] cleanup: ${err?.message ?? err}`);
    }
  }
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    console.error(`[e2e] ${sig}: cleaning up`);
    await cleanup();
    process.exit(130);
  });
}

const withTimeout = (promise, ms, what) =>
  Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms).unref()),
  ]);

function run(cmd, args, { cwd = root, timeoutMs = 120_000, env = process.env } = {}) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

/** Packs a directory as a .vsix with vsce. */
function packExtension(dir, out) {
  run(process.execPath, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '-o', out], {
    cwd: dir,
    timeoutMs: 120_000,
  });
  return out;
}

class CodeServer {
  constructor({ home, tmp, name, env }) {
    Object.assign(this, { home, tmp, name, env });
    this.extensionsDir = join(tmp, 'extensions');
    this.userDataDir = join(tmp, 'user-data');
    this.log = join(tmp, `${name}-code-server.log`);
  }

  baseArgs() {
    return [
      join(this.home, 'out/node/entry.js'),
      '--config', join(this.tmp, 'config.yaml'),
      '--user-data-dir', this.userDataDir,
      '--extensions-dir', this.extensionsDir,
    ];
  }

  processEnv(extra = {}) {
    return {
      ...process.env,
      XDG_CONFIG_HOME: join(this.tmp, 'xdg-config'),
      XDG_DATA_HOME: join(this.tmp, 'xdg-data'),
      ...extra,
    };
  }

  installExtensions(vsixes) {
    const args = this.baseArgs();
    for (const v of vsixes) args.push('--install-extension', v);
    args.push('--force');
    return run(process.execPath, args, { env: this.processEnv(), timeoutMs: 180_000 });
  }

  async start(folder, extraEnv) {
    this.port = await freePort();
    const args = [
      ...this.baseArgs(),
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${this.port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      folder,
    ];
    const fd = openSync(this.log, 'a');
    // Own process group, so that the server, its extension host and the language server die together.
    this.proc = spawn(process.execPath, args, { env: this.processEnv(extraEnv), stdio: ['ignore', fd, fd], detached: true });
    this.exited = new Promise((r) => this.proc.on('exit', (code, signal) => r({ code, signal })));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (this.proc.exitCode !== null) throw new Error(`code-server exited early; see ${this.log}\n${tail(this.log)}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) break;
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline) throw new Error(`code-server did not answer in 60 s; see ${this.log}\n${tail(this.log)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    return `http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(folder)}`;
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const group = -this.proc.pid;
    try {
      process.kill(group, 'SIGTERM');
    } catch {
      return;
    }
    const done = await Promise.race([this.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
    // The extension host and language server are in the same group; make sure none outlives us.
    try {
      process.kill(group, 'SIGKILL');
    } catch {
      /* all gone */
    }
    if (!done) await Promise.race([this.exited, new Promise((r) => setTimeout(r, 2000))]);
  }
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function openWorkbench(browser, url, logFile) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') appendFileSync(logFile, `[${m.type()}] ${m.text()}\n`);
  });
  page.on('pageerror', (e) => appendFileSync(logFile, `[pageerror] ${e.message}\n`));
  page.on('crash', () => appendFileSync(logFile, '[crash] page crashed\n'));
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  return { context, page };
}

async function apiPhase({ browser, codeServer, tmp, suitesDir }) {
  const ws = join(tmp, 'ws-api');
  cpSync(join(root, 'test/e2e/workspace'), ws, { recursive: true });
  const results = join(tmp, 'api-results.json');
  const log = join(tmp, 'api-progress.log');
  writeFileSync(log, '');
  const url = await codeServer.start(ws, {
    FLAKE_LENS_E2E_RESULTS: results,
    FLAKE_LENS_E2E_LOG: log,
    FLAKE_LENS_E2E_SUITES: suitesDir,
    FLAKE_LENS_E2E_MOCHA: join(root, 'node_modules/mocha'),
    FLAKE_LENS_E2E_TIMEOUT: process.env.FLAKE_LENS_E2E_TIMEOUT || '60000',
    FLAKE_LENS_E2E_WAIT_MS: process.env.FLAKE_LENS_E2E_WAIT_MS || '30000',
    ...(opts.grep ? { FLAKE_LENS_E2E_GREP: opts.grep } : {}),
  });
  say(`API phase: code-server on ${url}`);
  const { context, page } = await openWorkbench(browser, url, join(tmp, 'api-browser.log'));
  say('API phase: workbench loaded; waiting for the suites in the extension host');

  const deadline = Date.now() + Number(opts['api-timeout']) * 1000;
  const startDeadline = Date.now() + 120_000;
  let printed = 0;
  let state;
  const flush = () => {
    const lines = readFileSync(log, 'utf8').split('\n');
    for (; printed < lines.length - 1; printed++) console.log(`  ${lines[printed]}`);
  };
  for (;;) {
    flush();
    if (existsSync(results)) {
      try {
        state = JSON.parse(readFileSync(results, 'utf8'));
      } catch {
        /* being written */
      }
      if (state?.done) break;
    }
    if (Date.now() > deadline) {
      say(`API phase: timed out after ${opts['api-timeout']} s`);
      break;
    }
    if (!existsSync(results + '.started') && Date.now() > startDeadline) {
      say('API phase: the runner extension did not start within 120 s');
      break;
    }
    if (codeServer.proc.exitCode !== null) {
      say('API phase: code-server exited');
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  flush();
  if (!existsSync(results + '.started')) {
    tests.push({ phase: 'api', title: 'the runner extension started in the extension host', state: 'failed', error: 'never started' });
  }
  for (const t of state?.tests ?? []) tests.push({ phase: 'api', ...t });
  if (state?.error) tests.push({ phase: 'api', title: 'runner', state: 'failed', error: state.error });
  if (!state?.done) {
    tests.push({ phase: 'api', title: 'the suites finish in time', state: 'failed', error: `see ${log}` });
    await page.screenshot({ path: join(tmp, 'api-timeout.png') }).catch(() => {});
  }
  await withTimeout(context.close(), 10_000, 'closing the page').catch(() => {});
  await codeServer.stop();
}

async function uiPhase({ browser, codeServer, tmp }) {
  const ws = join(tmp, 'ws-ui');
  cpSync(join(root, 'test/e2e/workspace'), ws, { recursive: true });
  const url = await codeServer.start(ws, {});
  say(`UI phase: code-server on ${url}`);
  const shots = opts['update-screenshots'] ? join(root, 'docs/images') : join(root, 'out/e2e-artifacts');
  mkdirSync(shots, { recursive: true });
  const { context, page } = await openWorkbench(browser, url, join(tmp, 'ui-browser.log'));
  const { runUiTests } = await import(pathToFileURL(join(root, 'test/e2e/ui/ui.mjs')).href);
  const record = (title, state, error) => {
    tests.push({ phase: 'ui', title, state, error });
    console.log(`  ${state === 'passed' ? 'ok' : 'FAIL'} ui: ${title}${error ? `\n    ${String(error).split('\n').join('\n    ')}` : ''}`);
  };
  try {
    await withTimeout(runUiTests({ page, workspace: ws, screenshots: shots, record, log: say }), Number(opts['ui-timeout']) * 1000, 'the UI tests');
  } catch (err) {
    record('UI tests finish', 'failed', err?.stack ?? err);
    await page.screenshot({ path: join(tmp, 'ui-failure.png') }).catch(() => {});
  }
  say(`UI phase: screenshots in ${relative(root, shots) || shots}`);
  await withTimeout(context.close(), 10_000, 'closing the page').catch(() => {});
  await codeServer.stop();
}

async function main() {
  if (opts['ui-only'] && opts['no-ui']) throw new Error('--ui-only and --no-ui exclude each other');
  const vsix = resolve(opts.vsix);
  if (!existsSync(vsix)) throw new Error(`${vsix} does not exist: run \`npm run package\` first (or pass --vsix)`);
  if (!existsSync(opts.chromium)) throw new Error(`no Chromium at ${opts.chromium} (apt-get install chromium, or --chromium PATH)`);

  say('installing code-server (cached)');
  const home = run('bash', [join(root, 'scripts/install-code-server.sh')], { timeoutMs: 900_000 }).trim().split('\n').pop();

  const tmp = mkdtempSync(join(tmpdir(), 'flake-lens-e2e-'));
  cleanups.push(() => {
    if (opts.keep || process.exitCode) say(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  });
  writeFileSync(join(tmp, 'config.yaml'), 'auth: none\ncert: false\n');

  say('compiling test/e2e');
  const suitesDir = join(await compileE2e(), 'suite');

  say('packing the test-runner extension');
  const runnerSrc = join(tmp, 'runner-extension');
  cpSync(join(root, 'test/e2e/runner-extension'), runnerSrc, { recursive: true });
  const runnerVsix = packExtension(runnerSrc, join(tmp, 'e2e-runner.vsix'));

  const codeServer = new CodeServer({ home, tmp, name: 'e2e' });
  mkdirSync(join(codeServer.userDataDir, 'User'), { recursive: true });
  writeFileSync(
    join(codeServer.userDataDir, 'User/settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'workbench.welcomePage.walkthroughs.openOnInstall': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'extensions.ignoreRecommendations': true,
        'security.workspace.trust.enabled': false,
        'git.enabled': false,
        'git.openRepositoryInParentFolders': 'never',
        'files.autoSave': 'off',
        'window.restoreWindows': 'none',
        'chat.commandCenter.enabled': false,
        // --trace: the LSP traffic in the extension host's "Flake Lens" log (kept with --keep).
        ...(opts.trace ? { 'flakeLens.trace.server': 'verbose' } : {}),
      },
      null,
      2,
    ),
  );
  say(`installing ${relative(root, vsix) || vsix} and the runner into an isolated extensions dir`);
  codeServer.installExtensions([runnerVsix, vsix]);
  cleanups.push(() => codeServer.stop());

  say('launching Chromium');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: opts.chromium,
    headless: true,
    timeout: 60_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  cleanups.push(() => withTimeout(browser.close(), 10_000, 'closing Chromium'));

  if (!opts['ui-only']) await apiPhase({ browser, codeServer, tmp, suitesDir });
  if (!opts['no-ui']) await uiPhase({ browser, codeServer, tmp });
}

let fatal;
try {
  await main();
} catch (err) {
  fatal = err;
  console.error(`[e2e] ${err?.stack ?? err}`);
}
const passed = tests.filter((t) => t.state === 'passed').length;
const failed = tests.filter((t) => t.state === 'failed').length + (fatal ? 1 : 0);
const pending = tests.filter((t) => t.state === 'pending').length;
const failures = tests.filter((t) => t.state === 'failed');
if (failures.length) {
  console.log('\nFailures:');
  for (const f of failures) console.log(`  [${f.phase}] ${f.title}\n    ${String(f.error ?? '').split('\n').slice(0, 12).join('\n    ')}`);
}
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
await cleanup();
say(`done${pending ? ` (${pending} skipped)` : ''}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(process.exitCode);
