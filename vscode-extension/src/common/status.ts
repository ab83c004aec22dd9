/**
 * The status bar item: the session's step or the last test summary, from the server's
 * `serviceCreator/status` notification. Clicking it resumes a paused interview (the server
 * says `resumable`), else shows the session.
 */
import * as vscode from 'vscode';
import { CLIENT_COMMANDS, isJson } from './results';

export const STATUS_NOTIFICATION = 'serviceCreator/status';
const ICON = '$(wand)';

export interface StatusParams {
  text: string;
  tooltip?: string;
  sessionId?: string;
  resumable?: boolean;
}

/** Decode the notification's params; undefined when they carry no text. */
export function parseStatus(params: unknown): StatusParams | undefined {
  if (!isJson(params) || typeof params.text !== 'string' || !params.text.trim()) return undefined;
  return {
    text: params.text.trim(),
    ...(typeof params.tooltip === 'string' ? { tooltip: params.tooltip } : {}),
    ...(typeof params.sessionId === 'string' ? { sessionId: params.sessionId } : {}),
    ...(params.resumable === true ? { resumable: true } : {}),
  };
}

/** The item's text: an icon unless the server sent one (`$(name)`), and the status text. */
export function statusText(text: string): string {
  return text.startsWith('$(') ? text : `${ICON} ${text}`;
}

export function statusTooltip(params: StatusParams): string {
  const session = params.sessionId ? `\nSession ${params.sessionId}` : '';
  const click = params.resumable ? 'Click to resume the interview' : 'Click to show the session';
  return `${params.tooltip ?? 'Service Creator'}${session}\n\n${click}`;
}

/** The command a click runs. */
export function statusCommand(params: StatusParams): string {
  return params.resumable ? CLIENT_COMMANDS.resumeInterview : CLIENT_COMMANDS.showSession;
}

export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem('serviceCreator.status', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Service Creator';
    this.item.command = CLIENT_COMMANDS.showSession;
    this.idle();
  }

  /** The server's status notification. */
  update(params: unknown): void {
    const status = parseStatus(params);
    if (!status) return;
    this.set(statusText(status.text), statusTooltip(status), statusCommand(status));
  }

  idle(): void {
    this.set(`${ICON} Service Creator`, 'Service Creator\n\nClick to show the session');
  }

  starting(): void {
    this.set('$(sync~spin) Service Creator', 'Starting the Service Creator server…');
  }

  failed(reason: string): void {
    this.set('$(error) Service Creator', `The server is not running: ${reason}\n\nClick to show the session`);
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
  }

  private set(text: string, tooltip: string, command: string = CLIENT_COMMANDS.showSession): void {
    this.item.command = command;
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = undefined;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
