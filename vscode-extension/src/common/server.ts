/**
 * The language server's lifecycle: resolve the Python, build the environment from settings and
 * stored keys, start `python -m service_creator lsp` with vscode-languageclient, restart it.
 */
import * as os from 'os';
import * as vscode from 'vscode';
import {
  ApplyWorkspaceEditRequest,
  type ClientCapabilities,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  type StaticFeature,
  State,
} from 'vscode-languageclient/node';
import { applyAndSave } from './edits';
import { createChannel, log } from './log';
import { ASK_REQUEST, askQuestion } from './prompt';
import { keysToEnv } from './providers';
import { activeInterpreter, serverCommand, type ServerCommand } from './python';
import { loadKeys } from './secrets';
import { readSettings, SECTION, settingsToEnv } from './settings';
import { STATUS_NOTIFICATION, type StatusItem } from './status';

export const CLIENT_ID = 'serviceCreator';
export const CLIENT_NAME = 'Service Creator';

/** Declares `serviceCreator/ask` support in `capabilities.experimental` too. */
const askCapability: StaticFeature = {
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    const experimental = (capabilities.experimental ?? {}) as Record<string, unknown>;
    capabilities.experimental = { ...experimental, serviceCreatorAsk: true };
  },
  initialize(): void {
    // nothing to set up: the capability is all there is
  },
  getState: () => ({ kind: 'static' }),
  clear(): void {
    // nothing to clear
  },
};

function workspaceRoot(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.[0];
}

/** The command line and environment to start the server with. */
export async function launchPlan(secrets: vscode.SecretStorage): Promise<{ cmd: ServerCommand; env: Record<string, string> }> {
  const folder = workspaceRoot();
  const config = vscode.workspace.getConfiguration(SECTION, folder);
  const { settings, warnings } = readSettings((key) => config.get(key));
  warnings.forEach((w) => {
    log.warn(w);
  });
  const fromExtension = settings.python ? undefined : await activeInterpreter(folder?.uri);
  const cmd = serverCommand(settings.python, fromExtension, {
    ...(folder ? { workspaceFolder: folder.uri.fsPath } : {}),
    userHome: os.homedir(),
    env: process.env,
  });
  const keys = keysToEnv(await loadKeys(secrets));
  const settingsEnv = settingsToEnv(settings);
  log.info(`server environment: ${Object.entries(settingsEnv).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  log.info(`API keys passed: ${Object.keys(keys).join(', ') || 'none'}`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return { cmd, env: { ...env, ...settingsEnv, ...keys } };
}

export class Server implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private queue: Promise<void> = Promise.resolve();
  private lastCommand: ServerCommand | undefined;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly status: StatusItem,
  ) {}

  get running(): boolean {
    return this.client?.isRunning() ?? false;
  }

  get pythonSource(): ServerCommand['source'] | undefined {
    return this.lastCommand?.source;
  }

  /** Start, stop and restart run one at a time, in the order asked. */
  private serialized(task: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(task, task);
    return this.queue;
  }

  start(): Promise<void> {
    return this.serialized(() => this.doStart());
  }

  restart(): Promise<void> {
    return this.serialized(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  stop(): Promise<void> {
    return this.serialized(() => this.doStop());
  }

  private async doStart(): Promise<void> {
    if (this.client) return;
    this.status.starting();
    let cmd: ServerCommand | undefined;
    try {
      const plan = await launchPlan(this.secrets);
      cmd = plan.cmd;
      this.lastCommand = cmd;
      const client = this.createClient(cmd, plan.env);
      this.client = client;
      await client.start();
      this.status.idle();
      log.info('server started');
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const failed = this.client;
      this.client = undefined;
      await failed?.dispose().catch(() => undefined);
      this.status.failed(reason);
      log.error(`server failed to start: ${reason}`);
      void this.explainStartFailure(cmd?.command ?? 'python', reason);
    }
  }

  private createClient(cmd: ServerCommand, env: Record<string, string>): LanguageClient {
    const cwd = workspaceRoot()?.uri.fsPath ?? os.homedir();
    log.info(`starting: ${cmd.command} ${cmd.args.join(' ')} (Python from ${cmd.source}; cwd ${cwd})`);
    // No `transport`: TransportKind.stdio would append `--stdio` to the command line; without
    // it the client still talks over stdin/stdout, and the server gets exactly `-m service_creator lsp`.
    const serverOptions: ServerOptions = { command: cmd.command, args: cmd.args, options: { cwd, env } };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file' }],
      outputChannel: createChannel(),
      initializationOptions: { askRequest: true },
    };
    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    client.registerFeature(askCapability);
    client.onRequest(ASK_REQUEST, (params: unknown, token: vscode.CancellationToken) => askQuestion(params, token));
    // replaces the client's own handler (registered first at start): it also saves the files
    client.onRequest(ApplyWorkspaceEditRequest.type, (params) =>
      applyAndSave(params, {
        asWorkspaceEdit: (edit) => client.protocol2CodeConverter.asWorkspaceEdit(edit),
        asUri: (uri) => client.protocol2CodeConverter.asUri(uri),
      }),
    );
    client.onNotification(STATUS_NOTIFICATION, (params: unknown) => {
      this.status.update(params);
    });
    client.onDidChangeState((event) => {
      // The client gave up restarting a crashing server (we clear this.client before our own stops).
      if (event.newState === State.Stopped && this.client === client) {
        this.status.failed('the server stopped; see the "Service Creator" output');
      }
    });
    return client;
  }

  private async explainStartFailure(python: string, reason: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(
      `Service Creator: the server did not start with "${python}" (${reason}). ` +
        'Is service-creator installed in that Python? Set "serviceCreator.python" to one where it is.',
      'Open Settings',
      'Show Log',
    );
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.python`);
    } else if (choice === 'Show Log') {
      log.show();
    }
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    try {
      await client.stop(2000);
    } catch (err) {
      log.warn(`stopping the server: ${err instanceof Error ? err.message : String(err)}`);
    }
    await client.dispose().catch(() => undefined);
    this.status.idle();
  }

  /** `workspace/executeCommand` with the one camelCase object argument the server expects. */
  async execute(command: string, argument: Record<string, unknown>, token?: vscode.CancellationToken): Promise<unknown> {
    await this.queue;
    const client = this.client;
    if (!client?.isRunning()) {
      throw new Error('the server is not running (see the "Service Creator" output)');
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [argument] }, token);
  }

  dispose(): void {
    void this.stop();
  }
}
