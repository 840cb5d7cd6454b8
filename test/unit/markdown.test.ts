// The one escaping helper for file-derived text in Markdown (hovers, tree tooltips).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mdCode, mdText } from '../../server/src/markdown';
import { HOSTILE, injected, renderMarkdown, renderedText } from '../helpers/markdown';

const flat = (s: string) => s.replace(/[\u0000-\u001f]+/g, ' ');

test('mdText: hostile text renders as itself, with no link, image, HTML or block structure', () => {
  for (const s of HOSTILE) {
    const html = renderMarkdown(`Input ${mdText(s)} here`);
    assert.deepEqual(injected(html), [], `${JSON.stringify(s)} → ${html}`);
    assert.equal(renderedText(`Input ${mdText(s)} here`).trim(), `Input ${flat(s)} here`.trim().replace(/\s+\n/g, '\n'));
  }
});

test('mdCode: one code span holding the text verbatim, whatever backticks it contains', () => {
  for (const s of [...HOSTILE, '`', '``x``', 'a ` b', '````']) {
    const html = renderMarkdown(`Locked ${mdCode(s)} done`);
    assert.deepEqual(injected(html), [], `${JSON.stringify(s)} → ${html}`);
    const codes = [...html.matchAll(/<code>([\s\S]*?)<\/code>/g)];
    assert.equal(codes.length, 1, html);
    const inner = codes[0][1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    assert.equal(inner, flat(s), html);
    assert.match(html, /done<\/p>/, 'the code span closed before the following text');
  }
  assert.equal(renderedText(mdCode('')).trim(), '', 'empty text is an empty span, not stray backticks');
});
