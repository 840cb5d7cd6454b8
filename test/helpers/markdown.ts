// Renders Markdown the way a hover or tooltip would be, to check what file text can turn into.
// Raw HTML and bare-URL autolinks are switched on, so any that slip through show up in the HTML.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MarkdownIt = require('markdown-it') as new (opts: object) => { render(src: string): string };

const md = new MarkdownIt({ html: true, linkify: true });

export function renderMarkdown(src: string): string {
  return md.render(src);
}

/** The rendered text without tags, entities decoded. */
export function renderedText(src: string): string {
  return renderMarkdown(src)
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Text a lock or flake.nix can hold to turn a hover into links, images, HTML or layout. */
export const HOSTILE = [
  '![x](https://tracker.example/p.png)',
  '[github.com/NixOS/nixpkgs](https://evil.example/)',
  'a`b``c ![](https://t.example/i.png) `',
  '`` ` ``',
  '<img src=https://t.example/x.png>',
  'https://evil.example/autolink and www.evil.example',
  'x\n\n# heading | cell |\n- item',
  '$(zap) *em* _u_ ~~s~~ \\ &amp; [ref]: https://evil.example',
  ' spaced ',
];

/** What a hostile rendering would contain: images, links, raw HTML, headings, list items. */
export function injected(html: string): string[] {
  return ['<img', '<a ', '<h1', '<h2', '<li><p', '<script', '<table'].filter((t) => html.includes(t));
}
