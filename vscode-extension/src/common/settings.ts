/**
 * Settings → the server's environment. Pure: `readSettings` takes a getter (in the extension,
 * `workspace.getConfiguration('serviceCreator').get`), so tests pass a plain object.
 */

export const SECTION = 'serviceCreator';
export const ENV_PREFIX = 'SERVICE_CREATOR_';
export const STAGES = ['interview', 'codegen', 'tests', 'docs', 'review'] as const;
export type Stage = (typeof STAGES)[number];

export interface SandboxSettings {
  memory: string;
  cpus: number | null;
  pidsLimit: number | null;
  timeout: number | null;
  baseImage: string;
}

export interface Settings {
  python: string;
  model: string;
  stageModels: Partial<Record<Stage, string>>;
  apiBase: string;
  sandbox: SandboxSettings;
  budget: { tokens: number | null; usd: number | null };
}

/** Defaults mirror the server's (`service_creator.domain.config`), so what Settings shows is what runs. */
export const DEFAULTS: Settings = {
  python: '',
  model: 'offline',
  stageModels: {},
  apiBase: '',
  sandbox: { memory: '512m', cpus: 1, pidsLimit: 128, timeout: 120, baseImage: 'python:3.11-slim' },
  budget: { tokens: null, usd: null },
};

export type Getter = (key: string) => unknown;

export interface ReadResult {
  settings: Settings;
  /** Values that were ignored, said in words for the log. */
  warnings: string[];
}

function text(get: Getter, key: string, fallback: string, warnings: string[]): string {
  const value = get(key);
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') {
    warnings.push(`${SECTION}.${key} must be a string; using "${fallback}"`);
    return fallback;
  }
  return value.trim();
}

function positive(get: Getter, key: string, fallback: number | null, warnings: string[]): number | null {
  const value = get(key);
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    warnings.push(`${SECTION}.${key} must be a positive number; ignoring ${JSON.stringify(value)}`);
    return fallback;
  }
  return value;
}

function stageModels(get: Getter, warnings: string[]): Partial<Record<Stage, string>> {
  const value = get('stageModels');
  const result: Partial<Record<Stage, string>> = {};
  if (value === undefined || value === null) return result;
  if (typeof value !== 'object' || Array.isArray(value)) {
    warnings.push(`${SECTION}.stageModels must be an object of stage → model`);
    return result;
  }
  for (const [key, model] of Object.entries(value as Record<string, unknown>)) {
    const stage = key.trim().toLowerCase();
    if (!(STAGES as readonly string[]).includes(stage)) {
      warnings.push(`${SECTION}.stageModels: unknown stage "${key}" (stages: ${STAGES.join(', ')})`);
    } else if (typeof model !== 'string' || !model.trim()) {
      warnings.push(`${SECTION}.stageModels.${key} must be a non-empty model string`);
    } else {
      result[stage as Stage] = model.trim();
    }
  }
  return result;
}

/** Read and check the settings; anything invalid falls back to its default with a warning. */
export function readSettings(get: Getter): ReadResult {
  const warnings: string[] = [];
  const d = DEFAULTS;
  const settings: Settings = {
    python: text(get, 'python', d.python, warnings),
    model: text(get, 'model', d.model, warnings),
    stageModels: stageModels(get, warnings),
    apiBase: text(get, 'apiBase', d.apiBase, warnings),
    sandbox: {
      memory: text(get, 'sandbox.memory', d.sandbox.memory, warnings),
      cpus: positive(get, 'sandbox.cpus', d.sandbox.cpus, warnings),
      pidsLimit: positive(get, 'sandbox.pidsLimit', d.sandbox.pidsLimit, warnings),
      timeout: positive(get, 'sandbox.timeout', d.sandbox.timeout, warnings),
      baseImage: text(get, 'sandbox.baseImage', d.sandbox.baseImage, warnings),
    },
    budget: {
      tokens: positive(get, 'budget.tokens', d.budget.tokens, warnings),
      usd: positive(get, 'budget.usd', d.budget.usd, warnings),
    },
  };
  return { settings, warnings };
}

/**
 * The SERVICE_CREATOR_* variables for the server. An empty setting sets nothing, so a variable
 * already in VS Code's environment (or the server's own default) applies.
 */
export function settingsToEnv(s: Settings): Record<string, string> {
  const env: Record<string, string> = {};
  const put = (name: string, value: string | number | null): void => {
    if (value === null || value === '') return;
    env[ENV_PREFIX + name] = String(value);
  };
  put('MODEL', s.model);
  for (const stage of STAGES) put(`MODEL_${stage.toUpperCase()}`, s.stageModels[stage] ?? '');
  put('API_BASE', s.apiBase);
  put('SANDBOX_MEMORY', s.sandbox.memory);
  put('SANDBOX_CPUS', s.sandbox.cpus);
  put('SANDBOX_PIDS_LIMIT', s.sandbox.pidsLimit === null ? null : Math.floor(s.sandbox.pidsLimit));
  put('SANDBOX_TIMEOUT', s.sandbox.timeout);
  put('SANDBOX_BASE_IMAGE', s.sandbox.baseImage);
  put('BUDGET_TOKENS', s.budget.tokens === null ? null : Math.floor(s.budget.tokens));
  put('BUDGET_USD', s.budget.usd);
  return env;
}

/** The settings the server is started with; changing one restarts it (trace applies live). */
export const SERVER_KEYS = ['python', 'model', 'stageModels', 'apiBase', 'sandbox', 'budget'] as const;

/** Whether a configuration change needs a server restart. */
export function needsRestart(affects: (section: string) => boolean): boolean {
  return SERVER_KEYS.some((key) => affects(`${SECTION}.${key}`));
}
