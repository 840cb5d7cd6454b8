/// <reference lib="dom" />
// The input graph webview: lays out the model the extension sends (dagre, here rather than in
// the extension host, so that a big lock never blocks it) and draws it as SVG with DOM APIs only:
// lock text goes through setAttribute/textContent, never through markup.
import { highlighted, type GraphModel } from '../model';
import { layoutGraph, type Layout } from '../layout';
import { planDrawing } from '../budget';
import { buildScene, DEFAULT_PALETTE, dotText, svgText, type El, type Palette } from '../scene';
import type { FromWebview, ToWebview } from './messages';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): State | undefined;
  setState(state: State): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface State {
  view?: { x: number; y: number; k: number };
  selected?: string;
  query: string;
  onlyNixpkgs: boolean;
  onlyDuplicates: boolean;
}

const vscode = acquireVsCodeApi();
const SVG = 'http://www.w3.org/2000/svg';
const state: State = { query: '', onlyNixpkgs: false, onlyDuplicates: false, ...vscode.getState() };
const save = () => vscode.setState(state);

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const svg = document.getElementById('graph') as unknown as SVGSVGElement;
const viewport = document.getElementById('viewport') as unknown as SVGGElement;
const filter = $<HTMLInputElement>('filter');
const onlyNixpkgs = $<HTMLButtonElement>('only-nixpkgs');
const onlyDuplicates = $<HTMLButtonElement>('only-duplicates');
const status = $<HTMLElement>('status');
const notice = $<HTMLElement>('notice');
const noticeText = $<HTMLElement>('notice-text');

let model: GraphModel | undefined;
/** What is laid out: the model, or the part of it the filters keep when the whole is over budget. */
let drawn: GraphModel | undefined;
/** True while the filters choose what is drawn (the whole graph is over budget): a change redraws. */
let filtersRedraw = false;
let byId = new Map<string, GraphModel['nodes'][number]>();
let layout: Layout | undefined;
let context: Omit<ToWebview & { type: 'graph' }, 'type' | 'model'> | undefined;
const nodeEls = new Map<string, SVGGElement>();
const idOf = new WeakMap<Element, string>();
const edgeEls: { el: SVGElement; from: string; to: string }[] = [];

function materialise(e: El, parent: Element): void {
  // Iterative: no input decides a recursion depth.
  const stack: [El, Element][] = [[e, parent]];
  while (stack.length) {
    const [x, into] = stack.pop()!;
    const node = document.createElementNS(SVG, x.tag);
    for (const [k, v] of Object.entries(x.attrs)) node.setAttribute(k, v);
    if (x.text !== undefined) node.textContent = x.text;
    if (x.nodeId !== undefined) {
      nodeEls.set(x.nodeId, node as SVGGElement);
      idOf.set(node, x.nodeId);
      node.setAttribute('data-vscode-context', JSON.stringify(menuContext(x.nodeId)));
    }
    const from = x.attrs['data-from'];
    if (from !== undefined) edgeEls.push({ el: node as SVGElement, from, to: x.attrs['data-to'] });
    into.appendChild(node);
    for (const c of [...(x.children ?? [])].reverse()) stack.push([c, node]);
  }
}

/** What VS Code passes to the webview/context menu commands (and its `when` clauses). */
function menuContext(id: string): Record<string, unknown> {
  const n = byId.get(id)!;
  return {
    webviewSection: 'node',
    preventDefaultContextMenuItems: true,
    flakeUri: context?.flakeUri,
    node: id,
    duplicate: !!n.duplicate,
    canAddFollows: n.canAddFollows,
    rootInput: !n.root,
  };
}

function draw(): void {
  if (!model) return;
  const plan = planDrawing(model, { query: state.query, onlyNixpkgs: state.onlyNixpkgs, onlyDuplicates: state.onlyDuplicates });
  filtersRedraw = plan.filtered;
  // textContent: the notice holds counts only, and stays text whatever it holds.
  noticeText.textContent = plan.notice ?? '';
  notice.hidden = !plan.notice;
  const previous = drawn;
  drawn = plan.draw;
  viewport.replaceChildren();
  nodeEls.clear();
  edgeEls.length = 0;
  const whole = `${model.nodes.length} nodes, ${model.edges.length} edges · ${model.summary}` + (model.broken ? ` · ${model.broken} broken follows not drawn` : '');
  if (!drawn) {
    layout = undefined;
    svg.removeAttribute('data-layout-ms');
    status.textContent = `${whole} · not drawn`;
    applyFilter();
    return;
  }
  const t0 = performance.now();
  layout = layoutGraph(drawn);
  const t1 = performance.now();
  for (const e of buildScene(drawn, layout)) materialise(e, viewport);
  const t2 = performance.now();
  const s = nodeEls.get(state.selected ?? '');
  if (state.selected && !s) state.selected = undefined;
  s?.classList.add('selected');
  applyFilter();
  // A different part of an over-budget graph: show all of it.
  if (!state.view || (filtersRedraw && previous !== drawn)) fit();
  else applyView();
  status.textContent =
    (drawn === model ? whole : `${drawn.nodes.length} of ${whole}`) + ` · layout ${Math.round(t1 - t0)} ms, drawing ${Math.round(t2 - t1)} ms`;
  svg.setAttribute('data-layout-ms', String(Math.round(t1 - t0)));
}

let redrawTimer: ReturnType<typeof setTimeout> | undefined;
/** After a filter change: dims (the whole graph is drawn) or draws what the filters now keep. */
function filtersChanged(typing = false): void {
  if (!filtersRedraw) return applyFilter();
  clearTimeout(redrawTimer);
  // A layout can take a second: wait for a pause in typing.
  if (typing) redrawTimer = setTimeout(draw, 300);
  else draw();
}

function applyFilter(): void {
  if (!model) return;
  // When the filters chose what is drawn, everything drawn is kept.
  const keep = filtersRedraw || !drawn ? undefined : highlighted(drawn, { query: state.query, onlyNixpkgs: state.onlyNixpkgs, onlyDuplicates: state.onlyDuplicates });
  for (const [id, el] of nodeEls) el.classList.toggle('dim', !!keep && !keep.has(id));
  for (const e of edgeEls) e.el.classList.toggle('dim', !!keep && !(keep.has(e.from) && keep.has(e.to)));
  onlyNixpkgs.setAttribute('aria-pressed', String(state.onlyNixpkgs));
  onlyDuplicates.setAttribute('aria-pressed', String(state.onlyDuplicates));
  filter.value = state.query;
  save();
}

// Pan and zoom: one transform on the viewport group.
function applyView(): void {
  const v = state.view!;
  viewport.setAttribute('transform', `translate(${v.x},${v.y}) scale(${v.k})`);
  svg.classList.toggle('far', v.k < 0.55);
  save();
}

function fit(): void {
  if (!layout) return;
  const r = svg.getBoundingClientRect();
  const k = Math.min(1.2, Math.max(0.02, Math.min(r.width / (layout.width || 1), r.height / (layout.height || 1))));
  state.view = { k, x: (r.width - layout.width * k) / 2, y: (r.height - layout.height * k) / 2 };
  applyView();
}

function zoomAt(factor: number, cx: number, cy: number): void {
  const v = state.view ?? { x: 0, y: 0, k: 1 };
  const k = Math.min(4, Math.max(0.02, v.k * factor));
  state.view = { k, x: cx - ((cx - v.x) * k) / v.k, y: cy - ((cy - v.y) * k) / v.k };
  applyView();
}

svg.addEventListener(
  'wheel',
  (ev) => {
    ev.preventDefault();
    const r = svg.getBoundingClientRect();
    if (ev.ctrlKey || ev.metaKey || !ev.shiftKey) zoomAt(Math.exp(-ev.deltaY * 0.0015), ev.clientX - r.left, ev.clientY - r.top);
  },
  { passive: false },
);

let drag: { x: number; y: number; vx: number; vy: number; moved: boolean } | undefined;
svg.addEventListener('pointerdown', (ev) => {
  if (ev.button !== 0) return;
  const v = state.view ?? { x: 0, y: 0, k: 1 };
  drag = { x: ev.clientX, y: ev.clientY, vx: v.x, vy: v.y, moved: false };
});
svg.addEventListener('pointermove', (ev) => {
  if (!drag) return;
  const dx = ev.clientX - drag.x;
  const dy = ev.clientY - drag.y;
  if (!drag.moved && Math.hypot(dx, dy) < 4) return;
  if (!drag.moved) svg.setPointerCapture(ev.pointerId);
  drag.moved = true;
  state.view = { ...(state.view ?? { k: 1, x: 0, y: 0 }), x: drag.vx + dx, y: drag.vy + dy };
  applyView();
});
svg.addEventListener('pointerup', (ev) => {
  const wasDrag = drag?.moved;
  drag = undefined;
  if (wasDrag) return;
  const id = nodeOf(ev.target);
  if (id) open(id);
});

function nodeOf(target: EventTarget | null): string | undefined {
  const g = target instanceof Element ? target.closest('g.node') : null;
  return g ? idOf.get(g) : undefined;
}

function select(id: string): void {
  if (state.selected) nodeEls.get(state.selected)?.classList.remove('selected');
  state.selected = id;
  nodeEls.get(id)?.classList.add('selected');
  save();
}

function open(id: string): void {
  select(id);
  vscode.postMessage({ type: 'open', node: id });
}

svg.addEventListener('keydown', (ev) => {
  const id = nodeOf(ev.target);
  if (id && (ev.key === 'Enter' || ev.key === ' ')) {
    ev.preventDefault();
    open(id);
  }
});
svg.addEventListener('focusin', (ev) => {
  // Bring a node reached with Tab into view.
  const id = nodeOf(ev.target);
  const box = id ? layout?.nodes.get(id) : undefined;
  if (!box || !state.view) return;
  const r = svg.getBoundingClientRect();
  const v = state.view;
  const x = box.x * v.k + v.x;
  const y = box.y * v.k + v.y;
  if (x < 0 || y < 0 || x + box.width * v.k > r.width || y + box.height * v.k > r.height) {
    state.view = { k: v.k, x: r.width / 2 - (box.x + box.width / 2) * v.k, y: r.height / 2 - (box.y + box.height / 2) * v.k };
    applyView();
  }
});

document.addEventListener('keydown', (ev) => {
  if (ev.target === filter) return;
  const r = svg.getBoundingClientRect();
  if (ev.key === '+' || ev.key === '=') zoomAt(1.25, r.width / 2, r.height / 2);
  else if (ev.key === '-') zoomAt(0.8, r.width / 2, r.height / 2);
  else if (ev.key === '0') fit();
});

filter.addEventListener('input', () => {
  state.query = filter.value;
  filtersChanged(true);
});
onlyNixpkgs.addEventListener('click', () => {
  state.onlyNixpkgs = !state.onlyNixpkgs;
  filtersChanged();
});
onlyDuplicates.addEventListener('click', () => {
  state.onlyDuplicates = !state.onlyDuplicates;
  filtersChanged();
});
$('show-tree').addEventListener('click', () => vscode.postMessage({ type: 'showTree' }));
$('fit').addEventListener('click', fit);
$('zoom-in').addEventListener('click', () => zoomAt(1.25, svg.clientWidth / 2, svg.clientHeight / 2));
$('zoom-out').addEventListener('click', () => zoomAt(0.8, svg.clientWidth / 2, svg.clientHeight / 2));

/** The theme's colours, for an exported SVG that looks like the panel. */
function palette(): Palette {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const d = DEFAULT_PALETTE;
  return {
    background: v('--vscode-editor-background', d.background),
    foreground: v('--vscode-editor-foreground', d.foreground),
    muted: v('--vscode-descriptionForeground', d.muted),
    border: v('--vscode-editorWidget-border', d.border),
    nodeBackground: v('--vscode-editorWidget-background', d.nodeBackground),
    warning: v('--vscode-editorWarning-foreground', d.warning),
    edge: v('--vscode-editorLineNumber-foreground', d.edge),
    families: ['blue', 'green', 'yellow', 'red', 'purple', 'orange'].map((c, i) => v(`--vscode-charts-${c}`, d.families[i])),
  };
}
$('export-svg').addEventListener('click', () => {
  // The picture as drawn; DOT (below) is the whole graph, for Graphviz to lay out however large.
  if (drawn && layout) vscode.postMessage({ type: 'export', format: 'svg', text: svgText(drawn, layout, palette()) });
});
$('export-dot').addEventListener('click', () => {
  if (model) vscode.postMessage({ type: 'export', format: 'dot', text: dotText(model) });
});

window.addEventListener('message', (ev: MessageEvent<ToWebview>) => {
  const msg = ev.data;
  if (msg?.type !== 'graph') return;
  const { model: m, ...rest } = msg;
  context = rest;
  model = m;
  byId = new Map(m.nodes.map((n) => [n.id, n]));
  draw();
});
window.addEventListener('resize', () => {
  if (layout && state.view === undefined) fit();
});
vscode.postMessage({ type: 'ready' });
