// The drawing of a laid-out input graph as a tree of SVG elements, and its two text exports.
// Pure: the webview turns the tree into DOM nodes (setAttribute/textContent, so lock text is never
// parsed as markup); svgText() and dotText() escape it for their formats.
import type { GraphModel } from './model';
import type { Layout, Point } from './layout';

export interface El {
  tag: string;
  attrs: Record<string, string>;
  text?: string;
  children?: El[];
  /** The lock node a `g.node` stands for. */
  nodeId?: string;
}

const el = (tag: string, attrs: Record<string, string>, children?: El[], text?: string): El => ({ tag, attrs, children, text });
const num = (n: number) => String(Math.round(n * 10) / 10);

/** A smooth path through dagre's points: straight ends, quadratic curves through the bends. */
export function edgePath(points: Point[]): string {
  if (points.length === 0) return '';
  let d = `M${num(points[0].x)},${num(points[0].y)}`;
  for (let i = 1; i < points.length - 1; i++) {
    const mid = { x: (points[i].x + points[i + 1].x) / 2, y: (points[i].y + points[i + 1].y) / 2 };
    d += ` Q${num(points[i].x)},${num(points[i].y)} ${num(mid.x)},${num(mid.y)}`;
  }
  const last = points[points.length - 1];
  return `${d} L${num(last.x)},${num(last.y)}`;
}

/** The middle of a polyline, by length: where an edge's "follows" label goes. */
export function midpoint(points: Point[]): Point {
  if (points.length === 0) return { x: 0, y: 0 };
  const seg = (i: number) => Math.hypot(points[i + 1].x - points[i].x, points[i + 1].y - points[i].y);
  let total = 0;
  for (let i = 0; i + 1 < points.length; i++) total += seg(i);
  let left = total / 2;
  for (let i = 0; i + 1 < points.length; i++) {
    const s = seg(i);
    if (left <= s && s > 0) {
      const t = left / s;
      return { x: points[i].x + (points[i + 1].x - points[i].x) * t, y: points[i].y + (points[i + 1].y - points[i].y) * t };
    }
    left -= s;
  }
  return points[points.length - 1];
}

/** The graph's content (inside the pan/zoom group): edges first, nodes on top. */
export function buildScene(model: GraphModel, layout: Layout): El[] {
  const edges: El[] = [];
  const labels: El[] = [];
  for (const e of model.edges) {
    const points = layout.edges.get(e.id) ?? [];
    edges.push(el('path', { class: e.follows ? 'edge follows' : 'edge', d: edgePath(points), 'marker-end': 'url(#arrow)', 'data-from': e.from, 'data-to': e.to }));
    if (e.follows) {
      const m = midpoint(points);
      labels.push(el('text', { class: 'edge-label', x: num(m.x), y: num(m.y - 3), 'text-anchor': 'middle', 'data-from': e.from, 'data-to': e.to }, undefined, 'follows'));
    }
  }
  // Tab order follows the picture: layer by layer, top to bottom.
  const ordered = [...model.nodes].sort((a, b) => {
    const pa = layout.nodes.get(a.id)!;
    const pb = layout.nodes.get(b.id)!;
    return pa.x - pb.x || pa.y - pb.y;
  });
  const nodes = ordered.map((n): El => {
    const box = layout.nodes.get(n.id)!;
    const classes = ['node'];
    if (n.root) classes.push('root');
    if (!n.flake) classes.push('nonflake');
    if (n.duplicate) classes.push('duplicate');
    if (n.outdated) classes.push('outdated');
    if (n.family !== undefined) classes.push(`fam-${n.family}`, `shade-${n.shade ?? 0}`);
    const children: El[] = [
      el('title', {}, undefined, n.title),
      el('rect', { class: 'box', width: num(box.width), height: num(box.height), rx: n.flake ? '6' : '1' }),
    ];
    let y = n.root ? 23 : 19;
    children.push(el('text', { class: 'name', x: '10', y: String(y) }, undefined, n.name));
    if (n.duplicate) {
      const w = [...n.duplicate].length * 6.2 + 10;
      children.push(
        el('rect', { class: 'badge', x: num(box.width - w - 6), y: '5', width: num(w), height: '16', rx: '8' }),
        el('text', { class: 'badge-text', x: num(box.width - w / 2 - 6), y: '17', 'text-anchor': 'middle' }, undefined, n.duplicate),
      );
    }
    if (!n.root && n.detail) children.push(el('text', { class: 'detail', x: '10', y: String((y += 15)) }, undefined, n.detail));
    if (n.age) children.push(el('text', { class: n.outdated ? 'age old' : 'age', x: '10', y: String((y += 15)) }, undefined, n.age));
    const g = el('g', {
      class: classes.join(' '),
      transform: `translate(${num(box.x)},${num(box.y)})`,
      tabindex: '0',
      role: 'button',
      'aria-label': n.title.replace(/\n/g, ', '),
    }, children);
    g.nodeId = n.id;
    return g;
  });
  return [el('g', { class: 'edges' }, edges), el('g', { class: 'edge-labels' }, labels), el('g', { class: 'nodes' }, nodes)];
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(s: string): string {
  // Characters XML 1.0 forbids (control characters, lone surrogates) are dropped.
  return s.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/gu, (c) => (c.length === 2 ? c : ''));
}

function serialise(e: El, out: string[]): void {
  // Iterative, so that no input controls a recursion depth (the tree is shallow anyway).
  const stack: (El | string)[] = [e];
  while (stack.length) {
    const top = stack.pop()!;
    if (typeof top === 'string') {
      out.push(top);
      continue;
    }
    const attrs = Object.entries(top.attrs)
      .filter(([k]) => k !== 'tabindex' && k !== 'role')
      .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
      .join('');
    out.push(`<${top.tag}${attrs}>`);
    if (top.text !== undefined) out.push(escapeXml(top.text));
    stack.push(`</${top.tag}>`);
    for (const c of [...(top.children ?? [])].reverse()) stack.push(c);
  }
}

/** Colours for the exported picture: the theme's, read from the webview's CSS variables. */
export interface Palette {
  background: string;
  foreground: string;
  muted: string;
  border: string;
  nodeBackground: string;
  warning: string;
  edge: string;
  families: string[];
}

export const DEFAULT_PALETTE: Palette = {
  background: '#ffffff',
  foreground: '#1f1f1f',
  muted: '#6e6e6e',
  border: '#9e9e9e',
  nodeBackground: '#f8f8f8',
  warning: '#bf8803',
  edge: '#8a8a8a',
  families: ['#1a85ff', '#388a34', '#bf8803', '#a31515', '#652d90', '#d18616'],
};

const safeColour = (c: string, fallback: string) => (/^[#\w(),.%\s-]{1,64}$/.test(c.trim()) && c.trim() ? c.trim() : fallback);

/** How much of the family colour each shade (newest revision first) mixes into the node's fill. */
export const SHADES = [0.34, 0.22, 0.13, 0.06];

function rgb(c: string): [number, number, number] | undefined {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})([0-9a-f]{2})?$/i.exec(c);
  if (!m) return undefined;
  const h = m[1].length === 3 ? [...m[1]].map((x) => x + x).join('') : m[1];
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}

/** `a` mixed into `b` by `t`, as #rrggbb; undefined unless both are hex colours. */
export function mix(a: string, b: string, t: number): string | undefined {
  const x = rgb(a);
  const y = rgb(b);
  if (!x || !y) return undefined;
  return '#' + x.map((v, i) => Math.round(v * t + y[i] * (1 - t)).toString(16).padStart(2, '0')).join('');
}

/** A stylesheet with plain colours, so that the exported SVG looks the same outside VS Code. */
export function exportStyle(p: Palette): string {
  const c = (k: keyof Omit<Palette, 'families'>) => safeColour(p[k], DEFAULT_PALETTE[k]);
  const fams = DEFAULT_PALETTE.families.map((d, i) => safeColour(p.families[i] ?? '', d));
  return [
    `svg{font-family:sans-serif;font-size:12px;background:${c('background')}}`,
    `.edge{fill:none;stroke:${c('edge')};stroke-width:1.2}`,
    `.edge.follows{stroke-dasharray:5 4}`,
    `.edge-label{fill:${c('muted')};font-size:10px}`,
    `#arrow path{fill:${c('edge')}}`,
    `.node .box{fill:${c('nodeBackground')};stroke:${c('border')};stroke-width:1.2}`,
    `.node.nonflake> .box{stroke-dasharray:3 3}`,
    `.node.root> .box{stroke-width:2}`,
    `.node text{fill:${c('foreground')}}`,
    `.node .name{font-weight:bold}`,
    `.node .detail,.node .age{fill:${c('muted')};font-size:11px;font-family:monospace}`,
    `.node .age.old{fill:${c('warning')}}`,
    `.node.duplicate> .box{stroke:${c('warning')};stroke-width:2.5}`,
    `.node .badge{fill:${c('warning')};stroke:none}`,
    `.node .badge-text{fill:${c('background')};font-size:10px}`,
    ...fams.flatMap((f, i) => [
      `.node.fam-${i}> .box{stroke:${f}}`,
      ...SHADES.map((pct, s) => `.node.fam-${i}.shade-${s}> .box{fill:${mix(f, c('nodeBackground'), pct) ?? c('nodeBackground')}}`),
    ]),
  ].join('\n');
}

/** A standalone SVG file of the drawing. */
export function svgText(model: GraphModel, layout: Layout, palette: Palette = DEFAULT_PALETTE): string {
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(layout.width)}" height="${num(layout.height)}" viewBox="0 0 ${num(layout.width)} ${num(layout.height)}">`,
    `<title>${escapeXml(`Inputs of ${model.name}`)}</title>`,
    `<style>${exportStyle(palette)}</style>`,
    ARROW_DEFS_TEXT,
  ];
  for (const e of buildScene(model, layout)) serialise(e, out);
  out.push('</svg>\n');
  return out.join('');
}

export const ARROW_DEFS_TEXT =
  '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>';

/** A DOT string literal: quotes and backslashes escaped, line breaks as \n. */
export function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n|\r/g, '\\n')}"`;
}

/** The graph for Graphviz (`dot -Tsvg`): the same nodes, labels and follows edges. */
export function dotText(model: GraphModel): string {
  const lines = [`digraph ${dotString(`inputs of ${model.name}`)} {`, '  rankdir=LR;', '  node [shape=box, style=rounded, fontname="sans-serif", fontsize=11];', '  edge [fontsize=9];'];
  for (const n of model.nodes) {
    const label = [n.name, n.root ? undefined : n.detail, n.age, n.duplicate].filter((x): x is string => !!x).join('\n');
    const attrs = [`label=${dotString(label)}`, `tooltip=${dotString(n.title)}`];
    const style = [n.flake ? 'rounded' : 'dashed', n.duplicate ? 'bold' : undefined].filter(Boolean).join(',');
    attrs.push(`style=${dotString(style)}`);
    if (n.duplicate || n.outdated) attrs.push('color="#bf8803"');
    else if (n.family !== undefined) attrs.push(`color=${dotString(DEFAULT_PALETTE.families[n.family])}`);
    lines.push(`  ${dotString(n.id)} [${attrs.join(', ')}];`);
  }
  for (const e of model.edges) {
    const attrs = [`tooltip=${dotString(e.name)}`];
    if (e.follows) attrs.push('style=dashed', 'label="follows"');
    lines.push(`  ${dotString(e.from)} -> ${dotString(e.to)} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
