/**
 * Which Python runs the server, and the command line that starts it.
 * `serverCommand` and `expandVariables` are pure; `activeInterpreter` asks the Python extension.
 */
import * as vscode from 'vscode';

export const SERVER_MODULE_ARGS = ['-m', 'service_creator', 'lsp'] as const;
export const DEFAULT_PYTHON = 'python3';
export const PYTHON_EXTENSION_ID = 'ms-python.python';

export type PythonSource = 'setting' | 'python-extension' | 'default';

export interface ServerCommand {
  command: string;
  args: string[];
  source: PythonSource;
}

export interface Variables {
  workspaceFolder?: string;
  userHome: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** Expand `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~` in a path setting. */
export function expandVariables(value: string, vars: Variables): string {
  let out = value.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (match, name: string, envName?: string) => {
    if (envName !== undefined) return vars.env[envName] ?? '';
    if (name === 'userHome') return vars.userHome;
    return vars.workspaceFolder ?? match;
  });
  if (out === '~' || out.startsWith('~/')) out = vars.userHome + out.slice(1);
  return out;
}

/**
 * The server's command line: `serviceCreator.python` if set, else the Python extension's active
 * interpreter, else `python3`; always `-m service_creator lsp`.
 */
export function serverCommand(setting: string, fromExtension: string | undefined, vars: Variables): ServerCommand {
  const args = [...SERVER_MODULE_ARGS];
  const configured = setting.trim();
  if (configured) return { command: expandVariables(configured, vars), args, source: 'setting' };
  if (fromExtension?.trim()) return { command: fromExtension.trim(), args, source: 'python-extension' };
  return { command: DEFAULT_PYTHON, args, source: 'default' };
}

/** The part of the Python extension's API we use (`environments`, API v1). */
interface PythonEnvironmentsApi {
  environments: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { id: string; path: string };
    resolveEnvironment(
      env: { id: string; path: string } | string,
    ): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
  };
}

function hasEnvironmentsApi(value: unknown): value is PythonEnvironmentsApi {
  const envs = (value as { environments?: Record<string, unknown> } | undefined)?.environments;
  return typeof envs?.getActiveEnvironmentPath === 'function' && typeof envs.resolveEnvironment === 'function';
}

async function pythonApi(): Promise<PythonEnvironmentsApi | undefined> {
  const extension = vscode.extensions.getExtension(PYTHON_EXTENSION_ID);
  if (!extension) return undefined;
  const api: unknown = extension.isActive ? extension.exports : await extension.activate();
  return hasEnvironmentsApi(api) ? api : undefined;
}

/** The Python extension's active interpreter for `resource`, when that extension is installed. */
export async function activeInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
  try {
    const api = await pythonApi();
    if (!api) return undefined;
    const active = api.environments.getActiveEnvironmentPath(resource);
    const resolved = await api.environments.resolveEnvironment(active);
    return resolved?.executable.uri?.fsPath ?? active.path;
  } catch {
    return undefined;
  }
}

/** Calls `listener` when the Python extension's active interpreter changes. */
export async function onInterpreterChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  try {
    const api = await pythonApi();
    return api?.environments.onDidChangeActiveEnvironmentPath(() => {
      listener();
    });
  } catch {
    return undefined;
  }
}
