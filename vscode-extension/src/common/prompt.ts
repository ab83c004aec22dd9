/**
 * The `serviceCreator/ask` request: shows a question (mapped in `ask.ts`) as a QuickPick or an
 * InputBox and answers with the value, or null when the user presses Escape or the server
 * cancels the request (the session pauses; nothing is lost).
 */
import * as vscode from 'vscode';
import {
  type AnswerValue,
  answerFromInput,
  answerFromPick,
  type InputSpec,
  parseQuestion,
  type PickSpec,
  type Question,
  toPromptSpec,
  validateInput,
  validateSelection,
} from './ask';

export const ASK_REQUEST = 'serviceCreator/ask';

type PickItem = vscode.QuickPickItem & { id: string };

/** Resolves once with the first value; later calls are ignored. */
function settle<T>(resolve: (value: T) => void, cleanup: () => void): (value: T) => void {
  let done = false;
  return (value) => {
    if (done) return;
    done = true;
    cleanup();
    resolve(value);
  };
}

function showPick(q: Question, spec: PickSpec, token: vscode.CancellationToken): Promise<string[] | null> {
  const pick = vscode.window.createQuickPick<PickItem>();
  pick.title = spec.title;
  pick.step = spec.step;
  pick.totalSteps = spec.totalSteps;
  pick.placeholder = spec.placeholder;
  pick.canSelectMany = spec.canPickMany;
  pick.ignoreFocusOut = true;
  pick.matchOnDetail = true;
  const items: PickItem[] = spec.items.map((i) => ({
    id: i.id,
    label: i.label,
    ...(i.detail ? { detail: i.detail } : {}),
    picked: i.picked,
  }));
  const separated = spec.items.flatMap((item, index): PickItem[] =>
    item.separatorAbove === undefined
      ? [items[index]]
      : [{ id: '', label: item.separatorAbove, kind: vscode.QuickPickItemKind.Separator }, items[index]],
  );
  pick.items = separated;
  if (spec.canPickMany) pick.selectedItems = items.filter((i) => i.picked);
  const active = items.find((i) => i.id === spec.activeId);
  if (active) pick.activeItems = [active];

  return new Promise((resolve) => {
    const subscriptions: vscode.Disposable[] = [];
    const finish = settle<string[] | null>(resolve, () => {
      subscriptions.forEach((d) => {
        d.dispose();
      });
      pick.dispose();
    });
    subscriptions.push(
      pick.onDidAccept(() => {
        const chosen = spec.canPickMany ? pick.selectedItems : pick.activeItems.slice(0, 1);
        const problem = validateSelection(q, chosen.length);
        if (problem) {
          pick.placeholder = problem;
          return;
        }
        finish(chosen.map((i) => i.id));
      }),
      pick.onDidChangeSelection(() => {
        if (spec.canPickMany) pick.placeholder = spec.placeholder;
      }),
      pick.onDidHide(() => {
        finish(null);
      }),
      token.onCancellationRequested(() => {
        finish(null);
      }),
    );
    pick.show();
  });
}

function showInput(q: Question, spec: InputSpec, token: vscode.CancellationToken): Promise<string | null> {
  const box = vscode.window.createInputBox();
  box.title = spec.title;
  box.step = spec.step;
  box.totalSteps = spec.totalSteps;
  box.prompt = spec.prompt;
  box.placeholder = spec.placeholder;
  box.value = spec.value;
  box.ignoreFocusOut = true;
  box.validationMessage = spec.value ? validateInput(q, spec.value) : undefined;

  return new Promise((resolve) => {
    const subscriptions: vscode.Disposable[] = [];
    const finish = settle<string | null>(resolve, () => {
      subscriptions.forEach((d) => {
        d.dispose();
      });
      box.dispose();
    });
    subscriptions.push(
      box.onDidChangeValue((value) => {
        box.validationMessage = validateInput(q, value);
      }),
      box.onDidAccept(() => {
        const problem = validateInput(q, box.value);
        box.validationMessage = problem;
        if (!problem) finish(box.value);
      }),
      box.onDidHide(() => {
        finish(null);
      }),
      token.onCancellationRequested(() => {
        finish(null);
      }),
    );
    box.show();
  });
}

/** Ask one question; null means cancelled. Throws (→ a JSON-RPC error) on malformed params. */
export async function askQuestion(params: unknown, token: vscode.CancellationToken): Promise<AnswerValue | null> {
  const q = parseQuestion(params);
  const spec = toPromptSpec(q);
  if (spec.type === 'pick') {
    const ids = await showPick(q, spec, token);
    return ids === null ? null : answerFromPick(q, ids);
  }
  const value = await showInput(q, spec, token);
  return value === null ? null : answerFromInput(q, value);
}
