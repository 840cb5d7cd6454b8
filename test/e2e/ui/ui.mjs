// UI test of Flake Lens in the code-server workbench, driven like a person would with the
// keyboard: open the fixture flake, see the squiggle and the Problems entry, open the quick fix
// with Ctrl+., apply it and read the new text; open the Flake Inputs view and read its rows.
// Called by scripts/e2e-code-server.mjs with a Playwright page showing the workbench.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const LEGACY = 'import nixpkgs { inherit system; }';
const FIXED = 'pkgs = nixpkgs.legacyPackages.${system};';

/** The text of the visible editor lines, with the non-breaking spaces Monaco renders made plain. */
async function editorText(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('.editor-instance .monaco-editor .view-lines .view-line')]
      .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
      .map((l) => l.textContent.replace(/\u00a0/g, ' '))
      .join('\n'),
  );
}

async function waitForEditorText(page, predicate, description, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = await editorText(page);
    if (predicate(text)) return text;
    await page.waitForTimeout(200);
  }
  throw new Error(`timed out waiting for ${description}; the editor shows:\n${text}`);
}

async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
}

export async function runUiTests({ page, workspace, screenshots, record, log }) {
  const failed = [];
  const step = async (title, fn) => {
    try {
      await fn();
      record(title, 'passed');
      return true;
    } catch (err) {
      record(title, 'failed', err?.stack ?? String(err));
      failed.push(title);
      return false;
    }
  };

  const flakePath = join(workspace, 'flake.nix');
  const source = readFileSync(flakePath, 'utf8');
  const before = source.slice(0, source.indexOf(LEGACY)).split('\n');
  const legacyLine = before.length; // 1-based
  const legacyColumn = before[before.length - 1].length + 1;

  const opened = await step('open flake.nix with Quick Open', async () => {
    await page.locator('.monaco-workbench').click({ position: { x: 640, y: 400 } }).catch(() => {});
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(flakePath);
    await page.locator('.quick-input-widget .monaco-list-row').first().waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab.active', { hasText: 'flake.nix' }).waitFor({ timeout: 15_000 });
    await waitForEditorText(page, (t) => t.includes(LEGACY), 'flake.nix to show in the editor');
  });

  const diagnosed =
    opened &&
    (await step('the legacy-packages squiggle and its Problems entry appear', async () => {
      await page.locator(['warning', 'info', 'error', 'hint'].map((s) => `.editor-instance .monaco-editor .squiggly-${s}`).join(', '))
        .first()
        .waitFor({ state: 'attached', timeout: 60_000 });
      await page.keyboard.press('Control+Shift+M');
      const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'legacy-packages' }).first();
      await row.waitFor({ state: 'visible', timeout: 30_000 });
      const text = (await row.textContent()) ?? '';
      if (!/flake-lens/.test(text)) throw new Error(`Problems entry without the flake-lens source: ${text}`);
      log(`UI: Problems entry: ${text.replace(/\s+/g, ' ').trim()}`);
    }));

  const fixed =
    diagnosed &&
    (await step('Ctrl+. on the import offers the legacyPackages quick fix, and Enter applies it', async () => {
      // Back to the editor, cursor into the import: Ctrl+G line:column.
      await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+G');
      const input = page.locator('.quick-input-widget input.input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(`:${legacyLine}:${legacyColumn + 2}`);
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });

      await page.keyboard.press('Control+.');
      const widget = page.locator('.action-widget');
      await widget.waitFor({ state: 'visible', timeout: 20_000 });
      const items = widget.locator('.monaco-list-row.action');
      await items.first().waitFor({ state: 'visible', timeout: 20_000 });
      const titles = (await items.allTextContents()).map((t) => t.trim());
      log(`UI: quick fixes offered: ${titles.join(' | ')}`);
      const index = titles.findIndex((t) => /legacyPackages/.test(t));
      if (index < 0) throw new Error(`no legacyPackages quick fix in: ${titles.join(' | ')}`);
      await page.screenshot({ path: join(screenshots, 'diagnostic-quickfix.png') });

      // Move the keyboard focus to that fix and apply it.
      for (let i = 0; i < titles.length; i++) {
        const focused = ((await widget.locator('.monaco-list-row.action.focused').textContent().catch(() => '')) ?? '').trim();
        if (/legacyPackages/.test(focused)) break;
        await page.keyboard.press('ArrowDown');
      }
      await page.keyboard.press('Enter');
      await widget.waitFor({ state: 'hidden', timeout: 10_000 });
      const text = await waitForEditorText(page, (t) => t.includes(FIXED), `'${FIXED}' in the editor`);
      if (text.includes('import nixpkgs')) throw new Error(`the import is still there:\n${text}`);
      log(`UI: after the fix: ${text.split('\n').find((l) => l.includes('legacyPackages')).trim()}`);
    }));

  if (fixed) {
    await step('the squiggle and the Problems entry go away after the fix', async () => {
      await page.locator('.markers-panel .monaco-list-row', { hasText: 'legacy-packages' }).first().waitFor({ state: 'detached', timeout: 30_000 });
    });
  }

  await step('the Flake Inputs view lists nixpkgs, flake-utils and devtool, with devtool\'s own nixpkgs', async () => {
    await page.keyboard.press('Escape');
    await runCommand(page, 'Focus on Flake Inputs View');
    const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /Flake Inputs/i }) });
    await pane.waitFor({ state: 'visible', timeout: 15_000 });
    const rows = pane.locator('.monaco-list-row');
    const labels = async () => (await rows.locator('.label-name').allTextContents()).map((t) => t.trim());
    const deadline = Date.now() + 30_000;
    let seen = [];
    const has = (name) => seen.includes(name);
    while (Date.now() < deadline) {
      seen = await labels();
      if (['nixpkgs', 'flake-utils', 'devtool'].every(has)) break;
      await page.waitForTimeout(250);
    }
    if (!['nixpkgs', 'flake-utils', 'devtool'].every(has)) throw new Error(`Flake Inputs rows: ${seen.join(' | ') || 'none'}`);

    // Expand devtool from the keyboard if it is collapsed.
    const devtool = rows.filter({ has: page.locator('.label-name', { hasText: /^devtool$/ }) }).first();
    if ((await devtool.getAttribute('aria-expanded')) === 'false') {
      await devtool.click();
      await page.keyboard.press('ArrowRight');
    }
    const nested = pane
      .locator('.monaco-list-row[aria-level="2"]', { has: page.locator('.label-name', { hasText: /^nixpkgs$/ }) })
      .first();
    await nested.waitFor({ state: 'visible', timeout: 15_000 });
    const described = (await rows.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    log(`UI: Flake Inputs rows: ${described.join(' | ')}`);
    await page.screenshot({ path: join(screenshots, 'inputs-view.png') });
  });

  return failed;
}
