/**
 * The bundled extension (dist/extension.js) end to end against a fake server over stdio: the
 * real vscode-languageclient, the real JSON-RPC, the vscode module stubbed. It checks what the
 * server side must be able to rely on: the command line, the environment, the initialize
 * params, the command argument, the answers to `serviceCreator/ask`, the status notification.
 */
import { api, created, FakeInputBox, FakeQuickPick, onPrompt, Uri } from './vscode-stub';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = resolve(__dirname, '..', '..');
const bundle = join(root, 'dist', 'extension.js');
const API_KEY = 'sk-test-0123456789abcdef';

interface Extension {
  activate(context: unknown): Promise<void>;
  deactivate(): Promise<void>;
}

interface Recorded {
  argv: string[];
  env: Record<string, string>;
  initializationOptions: unknown;
  experimental: Record<string, unknown>;
  commands: { command: string; arguments: unknown[] }[];
  answers: unknown[];
  shutdown?: boolean;
}

function readRecord(path: string): Recorded {
  return JSON.parse(readFileSync(path, 'utf8')) as Recorded;
}

describe('the extension against a server over stdio', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sc-ext-'));
  const workspace = join(dir, 'ws');
  const recordPath = join(dir, 'record.json');
  const log: string[] = [];
  const registered = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  const notices: unknown[][] = [];
  let noticeShown: (args: unknown[]) => void = () => undefined;
  const configListeners: ((event: { affectsConfiguration(section: string): boolean }) => void)[] = [];
  const config: Record<string, unknown> = {};
  let extension: Extension;

  before(async () => {
    mkdirSync(workspace);
    const python = join(dir, 'python');
    writeFileSync(
      python,
      `#!/bin/sh\nexec "${process.execPath}" "${join(__dirname, 'fixtures', 'fake-server.js')}" "$@"\n`,
    );
    chmodSync(python, 0o755);
    process.env.FAKE_SERVER_RECORD = recordPath;

    Object.assign(config, {
      python,
      model: 'openai/gpt-4o',
      stageModels: { review: 'anthropic/claude-sonnet-4-5' },
      'budget.usd': 1.5,
    });
    api.workspace.onDidChangeConfiguration = (listener: (typeof configListeners)[number]) => {
      configListeners.push(listener);
      return { dispose: () => undefined };
    };
    api.workspace.workspaceFolders = [{ uri: Uri.file(workspace), name: 'ws', index: 0 }];
    api.workspace.getConfiguration = () => ({
      get: (key: string, fallback?: unknown) => config[key] ?? fallback,
      has: (key: string) => key in config,
    });
    api.workspace.fs = { stat: () => Promise.reject(new Error('no such folder')) };
    const channel = (name: string) => ({
      name,
      append: (v: string) => log.push(v),
      appendLine: (v: string) => log.push(`${v}\n`),
      replace: (v: string) => log.push(v),
      clear: () => undefined,
      show: () => undefined,
      hide: () => undefined,
      dispose: () => undefined,
    });
    api.window.createOutputChannel = channel;
    const notice = (...args: unknown[]) => {
      notices.push(args);
      noticeShown(args);
      return Promise.resolve(undefined);
    };
    api.window.showInformationMessage = notice;
    api.window.showErrorMessage = notice;
    api.window.showWarningMessage = notice;
    api.commands.registerCommand = (id: string, fn: (...args: unknown[]) => Promise<unknown>) => {
      registered.set(id, fn);
      return { dispose: () => registered.delete(id) };
    };

    const secrets = new Map([['serviceCreator.apiKey.openai', API_KEY]]);
    const context = {
      subscriptions: [] as unknown[],
      secrets: {
        get: (key: string) => Promise.resolve(secrets.get(key)),
        store: (key: string, value: string) => Promise.resolve(void secrets.set(key, value)),
        delete: (key: string) => Promise.resolve(void secrets.delete(key)),
      },
    };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    extension = require(bundle) as Extension;
    await extension.activate(context);
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers every palette command', () => {
    for (const id of [
      'serviceCreator.newService',
      'serviceCreator.resumeInterview',
      'serviceCreator.generateService',
      'serviceCreator.runSandboxTests',
      'serviceCreator.fixTestFailure',
      'serviceCreator.openSession',
      'serviceCreator.setApiKey',
      'serviceCreator.restartServer',
    ]) {
      assert.ok(registered.has(id), id);
    }
  });

  it('runs an interview: the command, two questions, the status, the outcome', async () => {
    const prompts = onPrompt.event((prompt) => {
      if (prompt instanceof FakeQuickPick) {
        prompt.choose('vRouter');
        prompt.accept();
      } else if (prompt instanceof FakeInputBox) {
        prompt.type('4');
        prompt.accept();
      }
    });
    const shown = new Promise<unknown[]>((resolve) => (noticeShown = resolve));
    await registered.get('serviceCreator.newService')?.();
    const [message, ...actions] = await shown;
    prompts.dispose();

    assert.equal(message, 'Service Creator: the interview is complete.');
    assert.deepEqual(actions, ['Generate']);
    assert.equal(created.statusBarItem?.text, '$(wand) step 9/9 · complete');

    const recorded = readRecord(recordPath);
    assert.deepEqual(recorded.argv, ['-m', 'service_creator', 'lsp']);
    assert.deepEqual(recorded.initializationOptions, { askRequest: true });
    assert.equal(recorded.experimental.serviceCreatorAsk, true);
    assert.deepEqual(recorded.commands, [
      { command: 'serviceCreator.startInterview', arguments: [{ workspace }] },
    ]);
    assert.deepEqual(recorded.answers, ['vRouter', 4]);
    assert.equal(recorded.env.SERVICE_CREATOR_MODEL, 'openai/gpt-4o');
    assert.equal(recorded.env.SERVICE_CREATOR_MODEL_REVIEW, 'anthropic/claude-sonnet-4-5');
    assert.equal(recorded.env.SERVICE_CREATOR_BUDGET_USD, '1.5');
    assert.equal(recorded.env.SERVICE_CREATOR_SANDBOX_MEMORY, '512m');
    assert.equal(recorded.env.OPENAI_API_KEY, API_KEY);
  });

  it('restarts the server with the new environment when a setting changes', async () => {
    config.model = 'anthropic/claude-sonnet-4-5';
    const changed = ['serviceCreator', 'serviceCreator.model'];
    configListeners.forEach((listener) => {
      listener({ affectsConfiguration: (section) => changed.includes(section) });
    });
    // Commands wait for the restart, so this one reaches the new server.
    const shown = new Promise<unknown[]>((resolve) => (noticeShown = resolve));
    await registered.get('serviceCreator.runSandboxTests')?.();
    const [message, ...actions] = await shown;

    assert.equal(message, 'Service Creator: failed: 1 passed, 1 failed.');
    assert.deepEqual(actions, ['Fix Failure']);
    assert.equal(created.statusBarItem?.text, '$(wand) 1 passed, 1 failed');
    const recorded = readRecord(recordPath);
    assert.equal(recorded.env.SERVICE_CREATOR_MODEL, 'anthropic/claude-sonnet-4-5');
    assert.deepEqual(recorded.commands, [{ command: 'serviceCreator.runTests', arguments: [{ workspace }] }]);
  });

  it('shuts the server down on deactivate', async () => {
    await extension.deactivate();
    assert.equal(readRecord(recordPath).shutdown, true);
    assert.doesNotMatch(log.join(''), /stopping the server/);
  });

  it('never shows an API key in the log', () => {
    const text = log.join('');
    assert.match(text, /fake server up; OPENAI_API_KEY=\*\*\*/);
    assert.match(text, /API keys passed: OPENAI_API_KEY/);
    assert.equal(text.includes(API_KEY), false);
  });
});
