// Runs mocha over compiled end-to-end suites inside the extension host it is loaded in.
//
// Configured by the environment that code-server passes on to its extension host:
//   FLAKE_LENS_E2E_RESULTS  JSON results file to write (required; without it the extension idles)
//   FLAKE_LENS_E2E_SUITES   directory of compiled *.test.js suites
//   FLAKE_LENS_E2E_MOCHA    path of the mocha package to load
//   FLAKE_LENS_E2E_LOG      progress log, one line per event (optional)
//   FLAKE_LENS_E2E_GREP     only tests whose full title matches (optional)
//   FLAKE_LENS_E2E_TIMEOUT  per-test timeout in ms (default 60000)
// It runs once per results file: a second extension host (a reloaded page) does nothing.
'use strict';
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');

let running;

function activate(context) {
  context.subscriptions.push(vscode.commands.registerCommand('flakeLensE2e.run', () => run()));
  if (process.env.FLAKE_LENS_E2E_RESULTS) run();
}

function run() {
  if (!running) running = runOnce().catch((err) => log(`runner error: ${err && err.stack || err}`));
  return running;
}

function log(line) {
  const file = process.env.FLAKE_LENS_E2E_LOG;
  if (file) fs.appendFileSync(file, line + '\n');
}

async function runOnce() {
  const resultsFile = process.env.FLAKE_LENS_E2E_RESULTS;
  if (!resultsFile) throw new Error('FLAKE_LENS_E2E_RESULTS is not set');
  try {
    fs.writeFileSync(resultsFile + '.started', String(process.pid), { flag: 'wx' });
  } catch {
    log(`extension host ${process.pid}: suites already started by another extension host`);
    return;
  }
  const results = { started: new Date().toISOString(), passed: 0, failed: 0, pending: 0, tests: [], done: false };
  const write = () => {
    fs.writeFileSync(resultsFile + '.tmp', JSON.stringify(results, null, 2));
    fs.renameSync(resultsFile + '.tmp', resultsFile);
  };
  try {
    const Mocha = require(process.env.FLAKE_LENS_E2E_MOCHA || 'mocha');
    const suitesDir = process.env.FLAKE_LENS_E2E_SUITES;
    if (!suitesDir) throw new Error('FLAKE_LENS_E2E_SUITES is not set');
    const mocha = new Mocha({
      ui: 'tdd',
      color: false,
      timeout: Number(process.env.FLAKE_LENS_E2E_TIMEOUT || 60000),
      grep: process.env.FLAKE_LENS_E2E_GREP || undefined,
      reporter: function Reporter(runner) {
        Mocha.reporters.Base.call(this, runner);
        const record = (test, state, err) => {
          results.tests.push({
            title: test.fullTitle(),
            file: test.file && path.basename(test.file),
            state,
            durationMs: test.duration,
            error: err ? String(err.stack || err.message || err) : undefined,
          });
          results[state] += 1;
          log(`${state === 'passed' ? 'ok' : state === 'failed' ? 'FAIL' : 'skip'} ${test.fullTitle()}${
            test.duration !== undefined ? ` (${test.duration} ms)` : ''}${err ? `\n    ${String(err.message || err).split('\n').join('\n    ')}` : ''}`);
          write();
        };
        runner.on('suite', (s) => { if (s.title) log(`suite ${s.fullTitle()}`); });
        runner.on('pass', (t) => record(t, 'passed'));
        runner.on('fail', (t, err) => record(t, 'failed', err));
        runner.on('pending', (t) => record(t, 'pending'));
      },
    });
    const files = fs.readdirSync(suitesDir).filter((f) => f.endsWith('.test.js')).sort();
    if (files.length === 0) throw new Error(`no *.test.js in ${suitesDir}`);
    for (const f of files) mocha.addFile(path.join(suitesDir, f));
    log(`extension host ${process.pid}: running ${files.length} suite file(s) with VS Code ${vscode.version}`);
    await new Promise((resolve) => mocha.run(() => resolve()));
  } catch (err) {
    results.error = String(err && err.stack || err);
    results.failed += 1;
    log(`runner error: ${results.error}`);
  } finally {
    results.done = true;
    results.finished = new Date().toISOString();
    write();
    log(`done: ${results.passed} passed, ${results.failed} failed, ${results.pending} pending`);
  }
}

function deactivate() {}

module.exports = { activate, deactivate };
