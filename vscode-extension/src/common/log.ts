/**
 * The "Service Creator" output channel: our own lines and the server's stderr. Every line goes
 * through `redact` with the stored API keys, so a key can never show up in the log.
 */
import * as vscode from 'vscode';
import { redact } from './providers';

export const CHANNEL_NAME = 'Service Creator';

let secrets: readonly string[] = [];
let channel: vscode.OutputChannel | undefined;

/** The values to mask from now on (the stored API keys). */
export function setSecrets(values: readonly string[]): void {
  secrets = values.filter((v) => v.length > 0);
}

/** An output channel that masks secrets in everything appended to it. */
export function redactingChannel(inner: vscode.OutputChannel): vscode.OutputChannel {
  return {
    get name() {
      return inner.name;
    },
    append: (value: string) => {
      inner.append(redact(value, secrets));
    },
    appendLine: (value: string) => {
      inner.appendLine(redact(value, secrets));
    },
    replace: (value: string) => {
      inner.replace(redact(value, secrets));
    },
    clear: () => {
      inner.clear();
    },
    // One implementation serves both OutputChannel.show overloads; the rule flags the old one.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    show: (preserveFocus?: unknown) => {
      inner.show(preserveFocus !== false);
    },
    hide: () => {
      inner.hide();
    },
    dispose: () => {
      inner.dispose();
    },
  };
}

/** Create the channel once; the language client writes the server's stderr to the same one. */
export function createChannel(): vscode.OutputChannel {
  channel ??= redactingChannel(vscode.window.createOutputChannel(CHANNEL_NAME));
  return channel;
}

function write(level: 'info' | 'warn' | 'error', message: string): void {
  const stamp = new Date().toLocaleTimeString();
  channel?.appendLine(`[${level.padEnd(5)} - ${stamp}] ${message}`);
}

export const log = {
  info: (message: string): void => {
    write('info', message);
  },
  warn: (message: string): void => {
    write('warn', message);
  },
  error: (message: string): void => {
    write('error', message);
  },
  show: (): void => {
    channel?.show(true);
  },
};

export function disposeChannel(): void {
  channel?.dispose();
  channel = undefined;
}
