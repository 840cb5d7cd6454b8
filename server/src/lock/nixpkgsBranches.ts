// Which nixpkgs branches are supported on a given day, computed offline from the release cadence
// so the answer stays right without a network (flake-checker asks monitoring.nixos.org instead).
//
// The cadence, exactly:
// - NixOS releases `YY.05` and `YY.11` each year. Release YY.MM counts as supported from the first
//   day of its release month (the branch appears in that month) until the last day of the month
//   after the next release: YY.05 through 31 December of 20YY, YY.11 through 30 June of 20YY+1
//   (the month of overlap NixOS gives to upgrade).
// - Each supported release has three channel branches: `nixos-YY.MM`, `nixos-YY.MM-small` and
//   `nixpkgs-YY.MM-darwin`.
// - `nixos-unstable`, `nixos-unstable-small` and `nixpkgs-unstable` are always supported.
// Other refs (`master`, `release-YY.MM`, a fork's branch names) are not channels: Hydra has not
// necessarily built their commits, so the binary cache may miss them.

export const UNSTABLE_BRANCHES = ['nixos-unstable', 'nixos-unstable-small', 'nixpkgs-unstable'] as const;

const DAY = 86_400_000;

export interface Release {
  /** `24.05` */
  version: string;
  /** First day supported (ms since the epoch, UTC midnight). */
  start: number;
  /** First day no longer supported. */
  end: number;
}

/** The support window of release YY.MM under the cadence above, or undefined for other months. */
export function releaseWindow(yy: number, mm: number): Release | undefined {
  if (mm !== 5 && mm !== 11) return undefined;
  const year = 2000 + yy;
  const start = Date.UTC(year, mm - 1, 1);
  // Next release: YY.11 after YY.05, (YY+1).05 after YY.11; supported through the month after it.
  const end = mm === 5 ? Date.UTC(year + 1, 0, 1) : Date.UTC(year + 1, 6, 1);
  return { version: `${String(yy).padStart(2, '0')}.${String(mm).padStart(2, '0')}`, start, end };
}

/** Releases supported at `now`, oldest first. */
export function supportedReleases(now: number): Release[] {
  const year = new Date(now).getUTCFullYear() - 2000;
  const out: Release[] = [];
  for (let yy = year - 1; yy <= year; yy++) {
    for (const mm of [5, 11]) {
      const r = releaseWindow(yy, mm);
      if (r && r.start <= now && now < r.end) out.push(r);
    }
  }
  return out;
}

/** Every supported branch at `now`: the channel branches of supported releases, then unstable. */
export function supportedBranches(now: number): string[] {
  const out: string[] = [];
  for (const r of supportedReleases(now)) out.push(`nixos-${r.version}`, `nixos-${r.version}-small`, `nixpkgs-${r.version}-darwin`);
  return [...out, ...UNSTABLE_BRANCHES];
}

type Form = 'nixos' | 'small' | 'darwin' | 'release';

/** The branch form and release of a ref, e.g. `nixos-24.05-small` → small, 24, 5. */
function parseRef(ref: string): { form: Form; yy: number; mm: number } | undefined {
  const m =
    /^nixos-(\d\d)\.(\d\d)(-small)?$/.exec(ref) ?? /^nixpkgs-(\d\d)\.(\d\d)(-darwin)$/.exec(ref) ?? /^release-(\d\d)\.(\d\d)()$/.exec(ref);
  if (!m) return undefined;
  const form: Form = ref.startsWith('release-') ? 'release' : m[3] === '-small' ? 'small' : m[3] === '-darwin' ? 'darwin' : 'nixos';
  return { form, yy: Number(m[1]), mm: Number(m[2]) };
}

function branchOf(form: Form, version: string): string {
  return form === 'small' ? `nixos-${version}-small` : form === 'darwin' ? `nixpkgs-${version}-darwin` : `nixos-${version}`;
}

export interface BranchVerdict {
  supported: boolean;
  /** Why not, for the diagnostic message ("NixOS 23.05 reached end of life on 2023-12-31"). */
  reason?: string;
  /** Branches to move to, best first. */
  suggestions: string[];
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Is `ref` a supported nixpkgs branch at `now`? `override` (flakeLens.nixpkgs.supportedBranches)
 * replaces the computed set when it is not empty.
 */
export function branchVerdict(ref: string, now: number, override?: readonly string[]): BranchVerdict {
  const parsed = parseRef(ref);
  if (override && override.length > 0) {
    if (override.includes(ref)) return { supported: true, suggestions: [] };
    // Same form first (a -darwin branch for a -darwin ref), then the list's order.
    const sameForm = parsed ? override.filter((b) => parseRef(b)?.form === (parsed.form === 'release' ? 'nixos' : parsed.form)) : [];
    const suggestions = [...new Set([...sameForm.reverse(), ...override])].slice(0, 3);
    return { supported: false, reason: 'it is not in flakeLens.nixpkgs.supportedBranches', suggestions };
  }
  if ((UNSTABLE_BRANCHES as readonly string[]).includes(ref)) return { supported: true, suggestions: [] };
  const releases = supportedReleases(now);
  const newest = releases[releases.length - 1];
  if (!parsed) {
    return {
      supported: false,
      reason: 'it is not a channel branch, so Hydra has not necessarily built its commits and the binary cache may miss them',
      suggestions: ref.startsWith('nixpkgs-') ? ['nixpkgs-unstable', 'nixos-unstable'] : ['nixos-unstable', 'nixpkgs-unstable'],
    };
  }
  const window = releaseWindow(parsed.yy, parsed.mm);
  const version = `${String(parsed.yy).padStart(2, '0')}.${String(parsed.mm).padStart(2, '0')}`;
  if (parsed.form === 'release') {
    // The development branch of a release: suggest its channel while the release is supported.
    const own = window && window.start <= now && now < window.end;
    return {
      supported: false,
      reason: `it is the development branch of NixOS ${version}, not a channel, so Hydra has not necessarily built its commits and the binary cache may miss them`,
      suggestions: [own ? `nixos-${version}` : newest ? `nixos-${newest.version}` : 'nixos-unstable'],
    };
  }
  if (window && window.start <= now && now < window.end) return { supported: true, suggestions: [] };
  const unstable = parsed.form === 'small' ? 'nixos-unstable-small' : parsed.form === 'darwin' ? 'nixpkgs-unstable' : 'nixos-unstable';
  const suggestions = [...releases.map((r) => branchOf(parsed.form, r.version)).reverse(), unstable];
  let reason: string;
  if (!window && parsed.yy < 21) reason = `NixOS ${version} predates the YY.05/YY.11 cadence and has long reached end of life`;
  else if (!window) reason = `${version} is not a NixOS release (releases are YY.05 and YY.11)`;
  else if (now < window.start) reason = `NixOS ${version} is not released yet (its branch appears in ${isoDay(window.start).slice(0, 7)})`;
  else reason = `NixOS ${version} reached end of life on ${isoDay(window.end - DAY)} and gets no more security fixes`;
  return { supported: false, reason, suggestions };
}
