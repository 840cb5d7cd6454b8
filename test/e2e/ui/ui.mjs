// UI test of Flake Lens in the code-server workbench, driven like a person would with the
// keyboard: open the fixture flake, see the squiggle and the Problems entry, open the quick fix
// with Ctrl+., apply it and read the new text; open the Flake Inputs view and read its rows.
// Called by scripts/e2e-code-server.mjs with a Playwright page showing the workbench.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

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

/**
 * Opens a file with Quick Open (Ctrl+P) and waits for its tab to be the active one. A file written
 * a moment ago may not be in Quick Open's results yet: up to three tries.
 */
async function quickOpen(page, file, tabName) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await quickOpenOnce(page, file, tabName);
    } catch (e) {
      if (attempt === 3) throw e;
      console.log(`UI: Quick Open did not open ${file} (attempt ${attempt}); trying again`);
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1000);
    }
  }
}

async function quickOpenOnce(page, file, tabName) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(file);
  await page.locator('.quick-input-widget .monaco-list-row').first().waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: tabName }).waitFor({ timeout: 15_000 });
}

/** Drags the side bar's edge to the right by `by` pixels (only to make the screenshot readable). */
async function widenSideBar(page, by) {
  const box = await page.locator('.part.sidebar').boundingBox({ timeout: 5000 });
  if (!box) return;
  const x = box.x + box.width - 1;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + by / 2, y, { steps: 5 });
  await page.mouse.move(x + by, y, { steps: 5 });
  await page.mouse.up();
  await page.mouse.move(x + by + 300, y);
}

/** A flake.lock of `n` root inputs from distinct repositories, three with their own nixpkgs: over the graph's drawing budget. */
function bigLock(n) {
  const gh = (owner, repo, i) => ({
    locked: { type: 'github', owner, repo, rev: i.toString(16).padStart(40, '0'), narHash: `sha256-${i}`, lastModified: 1_700_000_000 + i },
    original: { type: 'github', owner, repo },
  });
  const inputs = { nixpkgs: 'nixpkgs' };
  const nodes = { root: { inputs }, nixpkgs: gh('NixOS', 'nixpkgs', 1) };
  for (let i = 0; i < n; i++) {
    inputs[`i${i}`] = `i${i}`;
    nodes[`i${i}`] = { ...gh('example', `repo${i}`, i), ...(i < 3 ? { inputs: { nixpkgs: `nixpkgs_${i}` } } : {}) };
    if (i < 3) nodes[`nixpkgs_${i}`] = gh('NixOS', 'nixpkgs', 100 + i);
  }
  return JSON.stringify({ nodes, root: 'root', version: 7 }, null, 2);
}

/** The first frame (webviews live in nested iframes) where `selector` matches. */
async function frameWith(page, selector, what, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const count = await frame.locator(selector).count().catch(() => 0);
      if (count > 0) return frame;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no ${what}`);
}

/** The input graph webview's frame that shows the over-budget notice. */
const noticeFrame = (page) => frameWith(page, '#notice:not([hidden])', 'input graph webview with the over-budget notice');

/** The input graph webview's frame, once it has drawn nodes. */
const graphFrame = (page) => frameWith(page, 'svg#graph g.node', 'input graph webview with drawn nodes');

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
    await quickOpen(page, flakePath, 'flake.nix');
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
      const widget = page.locator('.action-widget');
      // Under load the code action menu sometimes never opened after Ctrl+. (2 runs on a busy
      // machine; the server logged no error): put the cursor in the import again and ask again,
      // at most three times, so a lost key press does not fail the run.
      for (let attempt = 1; ; attempt++) {
        // Back to the editor, cursor into the import: Ctrl+G line:column.
        await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
        await page.keyboard.press('Control+G');
        const input = page.locator('.quick-input-widget input.input');
        await input.waitFor({ state: 'visible', timeout: 10_000 });
        await input.fill(`:${legacyLine}:${legacyColumn + 2}`);
        await page.keyboard.press('Enter');
        await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
        await page.keyboard.press('Control+.');
        try {
          await widget.waitFor({ state: 'visible', timeout: 10_000 });
          break;
        } catch (e) {
          if (attempt === 3) throw e;
          log(`UI: no code action menu after Ctrl+. (attempt ${attempt}); trying again`);
          await page.keyboard.press('Escape');
        }
      }
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

  await step('the Flake Inputs view lists the root flake\'s inputs, and devtool expands to its own nixpkgs', async () => {
    await page.keyboard.press('Escape');
    await runCommand(page, 'Focus on Flake Inputs View');
    const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /Flake Inputs/i }) });
    await pane.waitFor({ state: 'visible', timeout: 15_000 });
    const folder = basename(workspace);
    // The tree is a flat list of rows with aria-level; read it in order.
    const readRows = () =>
      pane.locator('.monaco-list-row').evaluateAll((els) =>
        els
          .map((el) => ({
            top: parseFloat(el.style.top) || 0,
            level: Number(el.getAttribute('aria-level') || 1),
            expanded: el.getAttribute('aria-expanded'),
            name: (el.querySelector('.label-name')?.textContent ?? '').trim(),
            description: (el.querySelector('.label-description')?.textContent ?? '').trim(),
          }))
          .sort((a, b) => a.top - b.top),
      );
    /** The root flake's input rows: the top level, or the rows under the workspace's flake.nix row. */
    const rootInputs = (rs) => {
      const at = rs.findIndex((r) => r.level === 1 && (r.description === `${folder}/flake.nix` || r.name === folder));
      if (at < 0) return rs.map((r, i) => ({ ...r, i })).filter((r) => r.level === 1);
      const out = [];
      for (let i = at + 1; i < rs.length && rs[i].level > rs[at].level; i++) if (rs[i].level === rs[at].level + 1) out.push({ ...rs[i], i });
      return out;
    };
    const deadline = Date.now() + 30_000;
    let rs = [];
    let inputs = [];
    while (Date.now() < deadline) {
      rs = await readRows();
      inputs = rootInputs(rs);
      if (['nixpkgs', 'flake-utils', 'devtool'].every((n) => inputs.some((r) => r.name === n))) break;
      await page.waitForTimeout(250);
    }
    const show = (list) => list.map((r) => `${'  '.repeat(r.level - 1)}${r.name} ${r.description}`).join('\n');
    if (!['nixpkgs', 'flake-utils', 'devtool'].every((n) => inputs.some((r) => r.name === n))) {
      throw new Error(`the root flake's inputs are not all shown; rows:\n${show(rs)}`);
    }
    const devtool = inputs.find((r) => r.name === 'devtool');
    if (devtool.expanded === 'false') {
      await pane.locator('.monaco-list-row').filter({ has: page.locator('.label-description', { hasText: devtool.description }) })
        .filter({ has: page.locator('.label-name', { hasText: /^devtool$/ }) })
        .first()
        .locator('.monaco-tl-twistie')
        .click();
    }
    const until = Date.now() + 15_000;
    let child;
    while (Date.now() < until) {
      rs = await readRows();
      const d = rs.findIndex((r) => r.name === 'devtool' && r.description === devtool.description && r.level === devtool.level);
      child = d >= 0 && rs[d + 1] && rs[d + 1].level === devtool.level + 1 && rs.slice(d + 1).find((r, k, all) => all.slice(0, k + 1).every((x) => x.level > devtool.level) && r.name === 'nixpkgs');
      if (child) break;
      await page.waitForTimeout(250);
    }
    if (!child) throw new Error(`devtool does not expand to its nixpkgs; rows:\n${show(rs)}`);
    log(`UI: Flake Inputs rows:\n${show(rs)}`);
    // A wider side bar for the picture, so that the rows' descriptions show.
    await widenSideBar(page, 200).catch((err) => log(`UI: could not widen the side bar: ${err.message}`));
    await page.screenshot({ path: join(screenshots, 'inputs-view.png') });
  });

  await step('"Flake Lens: Show Input Graph" draws the lock, and a click on the duplicate nixpkgs lands on its node in flake.lock', async () => {
    await page.keyboard.press('Escape');
    await quickOpen(page, flakePath, 'flake.nix');
    await runCommand(page, 'Flake Lens: Show Input Graph');
    await page.locator('.tabs-container .tab.active', { hasText: /^Inputs: / }).waitFor({ timeout: 15_000 });
    const frame = await graphFrame(page);
    const names = await frame.locator('g.node .name').allTextContents();
    log(`UI: input graph nodes: ${names.join(', ')}`);
    for (const n of ['nixpkgs', 'flake-utils', 'devtool']) if (!names.includes(n)) throw new Error(`no '${n}' node in: ${names.join(', ')}`);
    const dashed = await frame.locator('g.node.duplicate').count();
    if (dashed !== 1) throw new Error(`expected one duplicate node, found ${dashed}`);
    const status = (await frame.locator('#status').textContent()) ?? '';
    log(`UI: input graph status: ${status}`);
    await page.screenshot({ path: join(screenshots, 'input-graph.png') });

    const lockText = readFileSync(join(workspace, 'flake.lock'), 'utf8');
    const keyLine = lockText.split('\n').findIndex((l) => /^ {4}"nixpkgs": \{/.test(l)) + 1;
    await frame.locator('g.node.duplicate').click();
    await page.locator('.tabs-container .tab.active', { hasText: 'flake.lock' }).waitFor({ timeout: 15_000 });
    const selection = page.locator('[id="status.editor.selection"]');
    const deadline = Date.now() + 15_000;
    let where = '';
    while (Date.now() < deadline) {
      where = ((await selection.textContent().catch(() => '')) ?? '').trim();
      if (where.includes(`Ln ${keyLine},`)) break;
      await page.waitForTimeout(200);
    }
    if (!where.includes(`Ln ${keyLine},`)) throw new Error(`expected the cursor on line ${keyLine} of flake.lock, status bar says '${where}'`);
    log(`UI: clicking the duplicate nixpkgs selected flake.lock ${where}`);
  });

  await step('the inline "Show Input Graph" button on the flake\'s row in Flake Inputs opens the graph', async () => {
    // Close the graph's tab (only it: flake.nix may hold the unsaved quick fix).
    const graphTab = page.locator('.tabs-container .tab', { hasText: /^Inputs: / });
    await graphTab.click();
    await graphTab.locator('.tab-actions .action-label').first().click();
    await graphTab.waitFor({ state: 'detached', timeout: 10_000 });
    await runCommand(page, 'Focus on Flake Inputs View');
    const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /Flake Inputs/i }) });
    // The root flake's row is named after the workspace folder (the other flakes have their own names).
    const row = pane.locator('.monaco-list-row[aria-level="1"]').filter({ has: page.locator('.label-name', { hasText: basename(workspace) }) }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await row.hover();
    await row.locator('.action-label[aria-label^="Show Input Graph"]').click({ timeout: 10_000 });
    await page.locator('.tabs-container .tab.active', { hasText: /^Inputs: / }).waitFor({ timeout: 15_000 });
    const frame = await graphFrame(page);
    log(`UI: the tree's button drew ${await frame.locator('g.node').count()} nodes`);
  });

  await step('a lock over the drawing budget: the graph says so, "Only nixpkgs" draws its part, and the Flake Inputs view opens', async () => {
    const dir = join(workspace, 'big');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'flake.nix'), '{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs";\n  outputs = { self, ... }: { };\n}\n');
    writeFileSync(join(dir, 'flake.lock'), bigLock(1300));
    await page.keyboard.press('Escape');
    await quickOpen(page, join(dir, 'flake.nix'), 'flake.nix');
    await runCommand(page, 'Flake Lens: Show Input Graph');
    await page.locator('.tabs-container .tab.active', { hasText: /^Inputs: big/ }).waitFor({ timeout: 15_000 });
    const frame = await noticeFrame(page);
    const notice = (await frame.locator('#notice-text').textContent()) ?? '';
    log(`UI: over-budget notice: ${notice}`);
    if (!/^This lock has 1,305 nodes and 1,304 edges: too many to draw at once \(the graph draws at most 1,200 nodes/.test(notice)) throw new Error(`notice: ${notice}`);
    if (!/Only nixpkgs would keep 8;/.test(notice)) throw new Error(`notice without the nixpkgs count: ${notice}`);
    const before = await frame.locator('svg#graph g.node').count();
    if (before !== 0) throw new Error(`${before} nodes drawn over the budget`);
    await frame.locator('#only-nixpkgs').click();
    const deadline = Date.now() + 30_000;
    let drawn = 0;
    while (Date.now() < deadline && (drawn = await frame.locator('svg#graph g.node').count()) !== 8) await page.waitForTimeout(250);
    if (drawn !== 8) throw new Error(`"Only nixpkgs" drew ${drawn} nodes, expected 8`);
    const after = (await frame.locator('#notice-text').textContent()) ?? '';
    if (!/Showing the 8 that the filters keep/.test(after)) throw new Error(`notice after the filter: ${after}`);
    log(`UI: over budget, "Only nixpkgs" drew ${drawn} nodes; status: ${await frame.locator('#status').textContent()}`);
    await page.screenshot({ path: join(screenshots, 'input-graph-over-budget.png') });
    // With the side bar closed, the notice's button must bring the Flake Inputs view back.
    await page.locator('.tabs-container .tab.active', { hasText: /^Inputs: big/ }).click();
    await runCommand(page, 'View: Close Primary Side Bar');
    await page.locator('.part.sidebar').waitFor({ state: 'hidden', timeout: 10_000 });
    await frame.locator('#show-tree').click();
    const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /Flake Inputs/i }) });
    await pane.locator('.monaco-list-row').first().waitFor({ state: 'visible', timeout: 15_000 });
  });

  return failed;
}
