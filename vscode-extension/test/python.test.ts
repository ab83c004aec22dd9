import { installedExtensions } from './vscode-stub';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { activeInterpreter, expandVariables, PYTHON_EXTENSION_ID, serverCommand } from '../src/common/python';

const vars = { workspaceFolder: '/ws/app', userHome: '/home/dev', env: { VENV: '/opt/venv' } };

describe('server command construction', () => {
  it('prefers the serviceCreator.python setting', () => {
    assert.deepEqual(serverCommand('/usr/bin/python3.11', '/ext/python', vars), {
      command: '/usr/bin/python3.11',
      args: ['-m', 'service_creator', 'lsp'],
      source: 'setting',
    });
  });

  it("falls back to the Python extension's interpreter, then python3", () => {
    assert.deepEqual(serverCommand('  ', '/ws/app/.venv/bin/python', vars), {
      command: '/ws/app/.venv/bin/python',
      args: ['-m', 'service_creator', 'lsp'],
      source: 'python-extension',
    });
    assert.deepEqual(serverCommand('', undefined, vars), {
      command: 'python3',
      args: ['-m', 'service_creator', 'lsp'],
      source: 'default',
    });
  });

  it('expands variables in the setting', () => {
    assert.equal(serverCommand('${workspaceFolder}/.venv/bin/python', undefined, vars).command, '/ws/app/.venv/bin/python');
    assert.equal(expandVariables('~/venvs/sc/bin/python', vars), '/home/dev/venvs/sc/bin/python');
    assert.equal(expandVariables('${userHome}/py', vars), '/home/dev/py');
    assert.equal(expandVariables('${env:VENV}/bin/python', vars), '/opt/venv/bin/python');
    assert.equal(expandVariables('${env:NOPE}/python', vars), '/python');
    assert.equal(expandVariables('${workspaceFolder}/py', { userHome: '/h', env: {} }), '${workspaceFolder}/py');
    assert.equal(expandVariables('/a~b/python', vars), '/a~b/python');
  });
});

describe("the Python extension's interpreter", () => {
  afterEach(() => {
    installedExtensions.clear();
  });

  it('is undefined without the Python extension', async () => {
    assert.equal(await activeInterpreter(), undefined);
  });

  it('resolves the active environment to its executable', async () => {
    let activated = false;
    installedExtensions.set(PYTHON_EXTENSION_ID, {
      isActive: false,
      activate: () => {
        activated = true;
        return Promise.resolve({
          environments: {
            getActiveEnvironmentPath: () => ({ id: 'venv', path: '/ws/app/.venv' }),
            resolveEnvironment: (env: { path: string }) =>
              Promise.resolve({ executable: { uri: { fsPath: `${env.path}/bin/python` } } }),
            onDidChangeActiveEnvironmentPath: () => ({ dispose: () => undefined }),
          },
        });
      },
    });
    assert.equal(await activeInterpreter(), '/ws/app/.venv/bin/python');
    assert.equal(activated, true);
  });

  it('is undefined when the extension offers no environments API or throws', async () => {
    installedExtensions.set(PYTHON_EXTENSION_ID, { isActive: true, exports: { legacy: true } });
    assert.equal(await activeInterpreter(), undefined);
    installedExtensions.set(PYTHON_EXTENSION_ID, { isActive: false, activate: () => Promise.reject(new Error('boom')) });
    assert.equal(await activeInterpreter(), undefined);
  });
});
