/**
 * The palette commands. Each forwards to the server's `serviceCreator.*` command with one
 * camelCase object argument and tells the user the outcome. The client-side ids differ from the
 * server's, because vscode-languageclient registers the server's own ids (for code actions and
 * code lenses) itself.
 */
import * as vscode from 'vscode';
import { log } from './log';
import { providerOfModel } from './providers';
import {
  CLIENT_COMMANDS,
  type DiagnosticLike,
  type Failure,
  failuresFromDiagnostics,
  type Notice,
  noticeFor,
  reportOf,
  reportSummary,
  sessionOf,
  sessionSummary,
} from './results';
import { setApiKey } from './secrets';
import type { Server } from './server';
import { SECTION } from './settings';
import type { StatusItem } from './status';

export const SERVER_COMMANDS = {
  startInterview: 'serviceCreator.startInterview',
  answerQuestion: 'serviceCreator.answerQuestion',
  generate: 'serviceCreator.generate',
  runTests: 'serviceCreator.runTests',
  fixFailure: 'serviceCreator.fixFailure',
  changeRequirement: 'serviceCreator.changeRequirement',
  showSession: 'serviceCreator.showSession',
} as const;

/** The folder a workspace's sessions live in. */
const SESSION_DIR = '.service-creator';

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** The workspace folder to work in: the only one, or the user's pick. */
async function pickWorkspace(): Promise<string | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showErrorMessage('Service Creator: open a folder first; the service is generated into it.');
    return undefined;
  }
  if (folders.length === 1) return folders[0].uri.fsPath;
  const folder = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Which workspace folder?' });
  return folder?.uri.fsPath;
}

/** A test id passed to Fix Failure: a string, or an object with `testId`. */
function testIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg) return arg;
  const id = (arg as { testId?: unknown } | undefined)?.testId;
  return typeof id === 'string' && id ? id : undefined;
}

async function showNotice(notice: Notice): Promise<void> {
  const show =
    notice.level === 'error'
      ? vscode.window.showErrorMessage
      : notice.level === 'warning'
        ? vscode.window.showWarningMessage
        : vscode.window.showInformationMessage;
  const choice = await show(notice.message, ...notice.actions.map((a) => a.title));
  const action = notice.actions.find((a) => a.title === choice);
  if (action) await vscode.commands.executeCommand(action.command);
}

export class Commands {
  private lastFailures: Failure[] = [];

  constructor(
    private readonly server: Server,
    private readonly status: StatusItem,
    private readonly secrets: vscode.SecretStorage,
  ) {}

  register(): vscode.Disposable[] {
    const c = CLIENT_COMMANDS;
    const reg = (id: string, fn: (...args: unknown[]) => Promise<unknown>): vscode.Disposable =>
      vscode.commands.registerCommand(id, fn);
    return [
      reg(c.newService, () => this.newService()),
      reg(c.resumeInterview, () => this.run(SERVER_COMMANDS.startInterview)),
      reg(c.generate, () => this.run(SERVER_COMMANDS.generate)),
      reg(c.runTests, () => this.run(SERVER_COMMANDS.runTests)),
      reg(c.fixFailure, (arg?: unknown) => this.fixFailure(testIdOf(arg))),
      // the server asks which answer and the new one (serviceCreator/ask), then sends the
      // update as one edit: VS Code previews it when it merges into files you edited
      reg(c.changeRequirement, () => this.run(SERVER_COMMANDS.changeRequirement)),
      reg(c.showSession, () => this.showSession()),
      reg(c.setApiKey, () => this.setApiKey()),
      reg(c.restartServer, () => this.server.restart()),
    ];
  }

  /** Run a server command for a workspace; errors become an error message, not a throw. */
  private async call(command: string, extra: Record<string, unknown> = {}, folder?: string): Promise<unknown> {
    const workspace = folder ?? (await pickWorkspace());
    if (!workspace) return undefined;
    const argument = { workspace, ...extra };
    log.info(`${command} ${JSON.stringify(argument)}`);
    try {
      if (!this.server.running) await this.server.start();
      const result = await this.server.execute(command, argument);
      this.remember(result);
      return result ?? null;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.error(`${command} failed: ${message}`);
      const choice = await vscode.window.showErrorMessage(`Service Creator: ${message}`, 'Show Log');
      if (choice === 'Show Log') log.show();
      return undefined;
    }
  }

  private remember(result: unknown): void {
    const report = reportOf(result);
    if (report) {
      this.lastFailures = report.failures;
      this.status.update({ text: reportSummary(report) });
    }
    const session = sessionOf(result);
    if (session && !report) {
      const resumable = session.status === 'paused' || session.status === 'in_progress';
      this.status.update({ text: sessionSummary(session), sessionId: session.id, resumable });
    }
  }

  private async run(command: string, extra: Record<string, unknown> = {}, folder?: string): Promise<void> {
    const result = await this.call(command, extra, folder);
    const notice = result === undefined ? undefined : noticeFor(command, result);
    if (notice) await showNotice(notice);
  }

  /**
   * New Service: where the folder already has a session, ask whether to resume it or start a
   * new one (`restart: true`; the old session stays on disk). Resume Interview never restarts.
   */
  private async newService(): Promise<void> {
    const workspace = await pickWorkspace();
    if (!workspace) return;
    let restart = false;
    if (await exists(vscode.Uri.joinPath(vscode.Uri.file(workspace), SESSION_DIR))) {
      const choice = await vscode.window.showInformationMessage(
        'This folder already has a Service Creator session.',
        { modal: true, detail: 'Resume where it stopped, or start a new interview? The old session stays on disk.' },
        'Resume',
        'Start New',
      );
      if (choice === undefined) return;
      restart = choice === 'Start New';
    }
    await this.run(SERVER_COMMANDS.startInterview, restart ? { restart } : {}, workspace);
  }

  private async fixFailure(testId?: string): Promise<void> {
    const chosen = testId ?? (await this.pickFailure());
    if (chosen) await this.run(SERVER_COMMANDS.fixFailure, { testId: chosen });
  }

  private async pickFailure(): Promise<string | undefined> {
    const diagnostics: DiagnosticLike[] = vscode.languages.getDiagnostics().flatMap(([, ds]) => ds as DiagnosticLike[]);
    const failures = [...failuresFromDiagnostics(diagnostics), ...this.lastFailures];
    const unique = [...new Map(failures.map((f) => [f.testId, f])).values()];
    if (unique.length === 0) {
      void vscode.window.showInformationMessage('Service Creator: no failing tests. Run the sandbox tests first.');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      unique.map((f) => ({ label: f.testId, detail: f.message.split('\n')[0] })),
      { title: 'Service Creator: Fix Failure', placeHolder: 'Which failing test should the model fix?' },
    );
    return pick?.label;
  }

  private async showSession(): Promise<void> {
    const result = await this.call(SERVER_COMMANDS.showSession);
    if (result === undefined) return;
    const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(result, null, 2) });
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  private async setApiKey(): Promise<void> {
    const model = vscode.workspace.getConfiguration(SECTION).get<string>('model') ?? '';
    if (await setApiKey(this.secrets, providerOfModel(model))) await this.server.restart();
  }
}
