/** Activation and deactivation only; everything else lives in `common/`. */
import * as vscode from 'vscode';
import { Commands } from './common/commands';
import { createChannel, disposeChannel, log } from './common/log';
import { onInterpreterChange } from './common/python';
import { Server } from './common/server';
import { needsRestart } from './common/settings';
import { StatusItem } from './common/status';

let server: Server | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(createChannel());
  const status = new StatusItem();
  server = new Server(context.secrets, status);
  const running = server;
  context.subscriptions.push(status, running, ...new Commands(running, status, context.secrets).register());

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (needsRestart((section) => event.affectsConfiguration(section))) {
        log.info('settings changed; restarting the server');
        void running.restart();
      }
    }),
  );
  const interpreterWatch = await onInterpreterChange(() => {
    if (running.pythonSource === 'python-extension') {
      log.info('the Python extension changed interpreter; restarting the server');
      void running.restart();
    }
  });
  if (interpreterWatch) context.subscriptions.push(interpreterWatch);

  await running.start();
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
  disposeChannel();
}
