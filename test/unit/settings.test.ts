// package.json's settings must be exactly the server's schema, and the server must read them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tooLarge } from '../../server/src/rules/analyse';
import { DEFAULT_SETTINGS, resolveSettings, ruleSetting, settingsSchema } from '../../server/src/config';
import { RULES } from '../../server/src/rules/index';
import { REPO } from '../helpers/lspClient';

const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));

test('package.json contributes exactly the schema (run scripts/sync-settings.mjs after changing it)', () => {
  assert.deepEqual(pkg.contributes.configuration.properties, settingsSchema());
});

test('every rule has a severity setting whose default is the rule default', () => {
  for (const r of RULES) {
    const s = pkg.contributes.configuration.properties[`flakeLens.rules.${r.code}`];
    assert.ok(s, r.code);
    assert.equal(s.default, r.severity);
    assert.ok(s.enum.includes('off'));
    assert.equal(s.scope, 'resource', 'settings are resolved per resource');
  }
});

test('schema defaults equal the server defaults', () => {
  const schema = settingsSchema();
  assert.equal(schema['flakeLens.maxFileSize'].default, DEFAULT_SETTINGS.maxFileSize);
  assert.equal(schema['flakeLens.debounceMs'].default, DEFAULT_SETTINGS.debounceMs);
  assert.equal(schema['flakeLens.enable'].default, DEFAULT_SETTINGS.enable);
  assert.deepEqual(schema['flakeLens.nixpkgsInputs'].default, DEFAULT_SETTINGS.nixpkgsInputs);
});

test('resolveSettings keeps valid values and drops malformed ones', () => {
  const s = resolveSettings({
    rules: { 'legacy-packages': 'off', 'repeated-import': 'loud', 'no-such-rule': 'error' },
    nixpkgsInputs: ['stable', 3, 'unstable'],
    maxFileSize: -1,
    enable: 'yes',
  });
  assert.deepEqual(s.rules, { 'legacy-packages': 'off' });
  assert.deepEqual(s.nixpkgsInputs, ['stable', 'unstable']);
  assert.equal(s.maxFileSize, DEFAULT_SETTINGS.maxFileSize);
  assert.equal(s.enable, true);
  assert.equal(ruleSetting(s, 'legacy-packages'), 'off');
  assert.equal(ruleSetting(s, 'repeated-import'), 'warning');
  assert.deepEqual(resolveSettings(null), resolveSettings({}));
});

test('the manifest activates on nix files and flakes, and admits VS Code 1.99', () => {
  assert.deepEqual(pkg.activationEvents.sort(), ['onLanguage:nix', 'workspaceContains:**/flake.nix'].sort());
  const m = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(pkg.engines.vscode);
  assert.ok(m, pkg.engines.vscode);
  assert.ok(Number(m[1]) === 1 && Number(m[2]) <= 99, `engines.vscode ${pkg.engines.vscode} must admit 1.99`);
  assert.ok(pkg.contributes.commands.some((c: { command: string }) => c.command === 'flakeLens.restartServer'));
  assert.equal(pkg.main, './dist/extension.js');
  assert.equal(pkg.bin['flake-lens'], './dist/cli.js');
});

test('too-large follows its rule setting like every other rule', () => {
  const text = 'x'.repeat(100);
  assert.deepEqual(tooLarge(text, resolveSettings({ maxFileSize: 10 })).map((f) => [f.code, f.severity]), [['too-large', 'information']]);
  assert.deepEqual(tooLarge(text, resolveSettings({ maxFileSize: 10, rules: { 'too-large': 'warning' } })).map((f) => f.severity), ['warning']);
  assert.deepEqual(tooLarge(text, resolveSettings({ maxFileSize: 10, rules: { 'too-large': 'off' } })), []);
});
