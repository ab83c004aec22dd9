import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keysToEnv, providerOfModel, redact } from '../src/common/providers';
import { DEFAULTS, needsRestart, readSettings, settingsToEnv } from '../src/common/settings';

/** What `workspace.getConfiguration('serviceCreator').get(key)` returns for dotted keys. */
function getter(values: Record<string, unknown>) {
  return (key: string): unknown => values[key];
}

describe('settings → server environment', () => {
  it('passes the defaults, which mirror the server', () => {
    const { settings, warnings } = readSettings(getter({}));
    assert.deepEqual(settings, DEFAULTS);
    assert.deepEqual(warnings, []);
    assert.deepEqual(settingsToEnv(settings), {
      SERVICE_CREATOR_MODEL: 'offline',
      SERVICE_CREATOR_SANDBOX_MEMORY: '512m',
      SERVICE_CREATOR_SANDBOX_CPUS: '1',
      SERVICE_CREATOR_SANDBOX_PIDS_LIMIT: '128',
      SERVICE_CREATOR_SANDBOX_TIMEOUT: '120',
      SERVICE_CREATOR_SANDBOX_BASE_IMAGE: 'python:3.11-slim',
    });
  });

  it('maps every setting to its variable', () => {
    const { settings, warnings } = readSettings(
      getter({
        model: 'anthropic/claude-sonnet-4-5',
        stageModels: { codegen: 'openai/gpt-4o', Review: ' ollama/qwen2.5-coder ' },
        apiBase: 'http://127.0.0.1:8080/v1',
        'sandbox.memory': '1g',
        'sandbox.cpus': 1.5,
        'sandbox.pidsLimit': 256,
        'sandbox.timeout': 300,
        'sandbox.baseImage': 'python:3.12-slim',
        'budget.tokens': 200000,
        'budget.usd': 2.5,
      }),
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(settingsToEnv(settings), {
      SERVICE_CREATOR_MODEL: 'anthropic/claude-sonnet-4-5',
      SERVICE_CREATOR_MODEL_CODEGEN: 'openai/gpt-4o',
      SERVICE_CREATOR_MODEL_REVIEW: 'ollama/qwen2.5-coder',
      SERVICE_CREATOR_API_BASE: 'http://127.0.0.1:8080/v1',
      SERVICE_CREATOR_SANDBOX_MEMORY: '1g',
      SERVICE_CREATOR_SANDBOX_CPUS: '1.5',
      SERVICE_CREATOR_SANDBOX_PIDS_LIMIT: '256',
      SERVICE_CREATOR_SANDBOX_TIMEOUT: '300',
      SERVICE_CREATOR_SANDBOX_BASE_IMAGE: 'python:3.12-slim',
      SERVICE_CREATOR_BUDGET_TOKENS: '200000',
      SERVICE_CREATOR_BUDGET_USD: '2.5',
    });
  });

  it('sets nothing for an empty setting, so the inherited variable or server default applies', () => {
    const { settings } = readSettings(getter({ model: '  ', 'sandbox.memory': '', 'budget.usd': null }));
    const env = settingsToEnv(settings);
    assert.equal('SERVICE_CREATOR_MODEL' in env, false);
    assert.equal('SERVICE_CREATOR_SANDBOX_MEMORY' in env, false);
    assert.equal('SERVICE_CREATOR_BUDGET_USD' in env, false);
  });

  it('ignores invalid values with a warning each', () => {
    const { settings, warnings } = readSettings(
      getter({
        model: 42,
        stageModels: { planning: 'openai/gpt-4o', docs: '' },
        'sandbox.cpus': -1,
        'budget.tokens': 'lots',
      }),
    );
    assert.equal(settings.model, 'offline');
    assert.deepEqual(settings.stageModels, {});
    assert.equal(settings.sandbox.cpus, 1);
    assert.equal(settings.budget.tokens, null);
    assert.deepEqual(warnings, [
      'serviceCreator.model must be a string; using "offline"',
      'serviceCreator.stageModels: unknown stage "planning" (stages: interview, codegen, tests, docs, review)',
      'serviceCreator.stageModels.docs must be a non-empty model string',
      'serviceCreator.sandbox.cpus must be a positive number; ignoring -1',
      'serviceCreator.budget.tokens must be a positive number; ignoring "lots"',
    ]);
  });

  it('restarts the server for server settings only', () => {
    const affected = (...sections: string[]) => (s: string) => sections.includes(s);
    assert.equal(needsRestart(affected('serviceCreator', 'serviceCreator.sandbox', 'serviceCreator.sandbox.memory')), true);
    assert.equal(needsRestart(affected('serviceCreator', 'serviceCreator.model')), true);
    assert.equal(needsRestart(affected('serviceCreator', 'serviceCreator.trace', 'serviceCreator.trace.server')), false);
    assert.equal(needsRestart(affected('editor.fontSize')), false);
  });
});

describe('API keys → environment', () => {
  it("uses each provider's usual variable", () => {
    const env = keysToEnv(
      new Map([
        ['openai', 'sk-open'],
        ['anthropic', ' sk-ant '],
        ['azure', 'az'],
        ['gemini', 'gm'],
        ['mistral', 'ms'],
        ['nobody', 'x'],
        ['groq', '  '],
      ]),
    );
    assert.deepEqual(env, {
      OPENAI_API_KEY: 'sk-open',
      ANTHROPIC_API_KEY: 'sk-ant',
      AZURE_API_KEY: 'az',
      GEMINI_API_KEY: 'gm',
      MISTRAL_API_KEY: 'ms',
    });
  });

  it('knows the provider of a model string', () => {
    assert.equal(providerOfModel('anthropic/claude-sonnet-4-5')?.envVar, 'ANTHROPIC_API_KEY');
    assert.equal(providerOfModel('OpenAI/gpt-4o')?.envVar, 'OPENAI_API_KEY');
    assert.equal(providerOfModel('offline'), undefined);
    assert.equal(providerOfModel('ollama/qwen2.5-coder'), undefined);
  });

  it('masks keys in log text', () => {
    const line = 'auth failed for sk-secret-123 (key sk-secret-123)';
    assert.equal(redact(line, ['sk-secret-123']), 'auth failed for *** (key ***)');
    assert.equal(redact('abc', ['']), 'abc');
  });
});
