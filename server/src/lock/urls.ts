// URLs built from flake.nix and flake.lock text, for links the editor opens. A lock can name any
// host (`locked.host`, `?host=`, `git+https://github.com@evil.example/`): only well-formed hosts
// without userinfo make a link, and the link's text names the host it really goes to.

/** `s` without trailing slashes. Linear: `/\/+$/` backtracks quadratically on long slash runs. */
export function trimTrailingSlashes(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 47) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** A host name (with an optional port) as written, lowercased, or undefined when it is not one. */
export function validHost(host: unknown): string | undefined {
  if (typeof host !== 'string' || host === '' || /[^A-Za-z0-9.:[\]-]/.test(host)) return undefined;
  let u: URL;
  try {
    u = new URL(`https://${host}/`);
  } catch {
    return undefined;
  }
  // The URL parser must read back exactly this host: nothing else was smuggled in.
  return u.host === host.toLowerCase() && u.hostname !== '' ? u.host : undefined;
}

/** An http(s) URL without userinfo and with a valid host, normalised; else undefined. */
export function safeWebUrl(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username !== '' || u.password !== '' || !validHost(u.host)) return undefined;
  return u.href;
}

/** Path segments of an owner/repo for a forge URL: each percent-encoded, no `.`/`..`/empty ones. */
export function urlPath(...parts: string[]): string | undefined {
  const segments = parts.join('/').split('/');
  if (segments.some((p) => p === '' || p === '.' || p === '..')) return undefined;
  return segments.map(encodeURIComponent).join('/');
}
