// The one settings schema: defaults live here; package.json's contributes.configuration is
// checked against it by a test. Settings are resolved per resource (folder or file).
import { RULES } from './rules/index';
import type { RuleCode, Severity } from './rules/findings';

export type RuleSetting = Severity | 'off';

export interface Settings {
  enable: boolean;
  rules: Partial<Record<RuleCode, RuleSetting>>;
  nixpkgsInputs: string[];
  maxFileSize: number;
  debounceMs: number;
  /** Age and support of nixpkgs (outdated-nixpkgs, unsupported-nixpkgs-branch). */
  nixpkgs: { maxAgeDays: number; supportedBranches: string[]; checkedInputs: string[] };
  inlayHints: { enable: boolean };
}

export const RULE_SETTING_VALUES: RuleSetting[] = ['error', 'warning', 'information', 'hint', 'off'];

/** JSON-schema fragments for package.json, keyed by full setting name. */
export function settingsSchema(): Record<string, Record<string, unknown>> {
  const schema: Record<string, Record<string, unknown>> = {
    'flakeLens.enable': { type: 'boolean', default: true, scope: 'resource', description: 'Analyse Nix files with Flake Lens.' },
    'flakeLens.nixpkgsInputs': {
      type: 'array',
      items: { type: 'string' },
      default: [],
      scope: 'resource',
      description: 'Extra flake input names to treat as nixpkgs (beyond those declared with a nixpkgs URL or following one).',
    },
    'flakeLens.maxFileSize': {
      type: 'number',
      default: 4000000,
      minimum: 0,
      scope: 'resource',
      description: 'Files longer than this many characters are not analysed (one information diagnostic says so).',
    },
    'flakeLens.debounceMs': {
      type: 'number',
      default: 150,
      minimum: 0,
      scope: 'resource',
      description: 'Delay in milliseconds between the last edit and re-analysis of a document.',
    },
    'flakeLens.nixpkgs.maxAgeDays': {
      type: 'number',
      default: 30,
      minimum: 0,
      scope: 'resource',
      description: 'A root nixpkgs input locked to a revision older than this many days is reported (rule outdated-nixpkgs; 30 as flake-checker).',
    },
    'flakeLens.nixpkgs.checkedInputs': {
      type: 'array',
      items: { type: 'string' },
      default: ['nixpkgs'],
      scope: 'resource',
      markdownDescription:
        'The root inputs whose age and branch are checked (rules `outdated-nixpkgs` and `unsupported-nixpkgs-branch`), as flake-checker\'s `--nixpkgs-keys`: by default only `nixpkgs`, since a second nixpkgs (`nixpkgs-stable`, `nixpkgs-master`, a release pinned for tests) is usually a deliberate choice. Empty: every root nixpkgs input.',
    },
    'flakeLens.nixpkgs.supportedBranches': {
      type: 'array',
      items: { type: 'string' },
      default: [],
      scope: 'resource',
      markdownDescription:
        'The nixpkgs branches rule `unsupported-nixpkgs-branch` accepts. Empty: computed offline from the release cadence (`nixos-YY.MM`, `nixos-YY.MM-small`, `nixpkgs-YY.MM-darwin` of the supported releases, and the unstable branches).',
    },
    'flakeLens.inlayHints.enable': {
      type: 'boolean',
      default: true,
      scope: 'resource',
      description: "Show each input's locked revision and age after its URL in flake.nix.",
    },
  };
  for (const r of RULES) {
    schema[`flakeLens.rules.${r.code}`] = {
      type: 'string',
      enum: RULE_SETTING_VALUES,
      default: r.severity,
      scope: 'resource',
      markdownDescription: `Severity of [\`${r.code}\`](https://github.com/flake-lens/flake-lens/blob/main/docs/rules/${r.code}.md): ${r.title}. \`off\` disables the rule.`,
    };
  }
  schema['flakeLens.trace.server'] = {
    type: 'string',
    enum: ['off', 'messages', 'verbose'],
    default: 'off',
    scope: 'window',
    description: 'Traces the communication between VS Code and the Flake Lens language server.',
  };
  return schema;
}

export const DEFAULT_SETTINGS: Settings = {
  enable: true,
  rules: {},
  nixpkgsInputs: [],
  maxFileSize: 4000000,
  debounceMs: 150,
  nixpkgs: { maxAgeDays: 30, supportedBranches: [], checkedInputs: ['nixpkgs'] },
  inlayHints: { enable: true },
};

/** Merges what the client sent (`flakeLens` section, possibly partial or malformed) over the defaults. */
export function resolveSettings(raw: unknown): Settings {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const rules: Settings['rules'] = {};
  if (r.rules && typeof r.rules === 'object') {
    for (const [code, value] of Object.entries(r.rules as Record<string, unknown>)) {
      if (RULES.some((x) => x.code === code) && RULE_SETTING_VALUES.includes(value as RuleSetting)) {
        rules[code as RuleCode] = value as RuleSetting;
      }
    }
  }
  const obj = (v: unknown) => (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  const nixpkgs = obj(r.nixpkgs);
  const inlay = obj(r.inlayHints);
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : d);
  return {
    enable: typeof r.enable === 'boolean' ? r.enable : DEFAULT_SETTINGS.enable,
    rules,
    nixpkgsInputs: Array.isArray(r.nixpkgsInputs) ? r.nixpkgsInputs.filter((x): x is string => typeof x === 'string') : [],
    maxFileSize: num(r.maxFileSize, DEFAULT_SETTINGS.maxFileSize),
    debounceMs: num(r.debounceMs, DEFAULT_SETTINGS.debounceMs),
    nixpkgs: {
      maxAgeDays: num(nixpkgs.maxAgeDays, DEFAULT_SETTINGS.nixpkgs.maxAgeDays),
      supportedBranches: Array.isArray(nixpkgs.supportedBranches) ? nixpkgs.supportedBranches.filter((x): x is string => typeof x === 'string') : [],
      checkedInputs: Array.isArray(nixpkgs.checkedInputs) ? nixpkgs.checkedInputs.filter((x): x is string => typeof x === 'string') : DEFAULT_SETTINGS.nixpkgs.checkedInputs,
    },
    inlayHints: { enable: typeof inlay.enable === 'boolean' ? inlay.enable : DEFAULT_SETTINGS.inlayHints.enable },
  };
}

/** The effective setting of a rule: the user's, else the rule's default severity. */
export function ruleSetting(settings: Settings, code: RuleCode): RuleSetting {
  return settings.rules[code] ?? RULES.find((r) => r.code === code)?.severity ?? 'warning';
}
