/**
 * `workspace/applyEdit` from the server: applied as vscode-languageclient does (one undo-able
 * workspace edit, refused when an open document's version moved on), then every document the
 * edit created or changed is saved, so a generation leaves no unsaved buffers behind. The
 * server only edits files the user has not changed (theirs get ours beside them as `.new`), so
 * saving what it touched never saves the user's own unsaved work.
 *
 * A requirement change merges into files the user edited (saved ones: the server refuses files
 * with unsaved changes): their edits carry change annotations with `needsConfirmation`, which
 * the converter turns into entry metadata, and VS Code's bulk edit service then shows its
 * refactor preview before applying anything. Discarding the preview answers `applied: false`
 * and the server records nothing. The preview lists those edits unchecked and applies only the
 * checked ones (seen in a real VS Code, tests/vscode/e2e.mjs), yet reports the edit applied:
 * the server would then record an update that is only partly in the files. So after a preview
 * each edited document is compared with what the whole edit makes of it; when one was left out,
 * what was applied is taken back and the answer is `applied: false`.
 */
import * as vscode from 'vscode';
import type {
  ApplyWorkspaceEditParams,
  ApplyWorkspaceEditResult,
  DeleteFile,
  Position,
  TextDocumentEdit,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageclient/node';
import { log } from './log';

export interface EditConverter {
  asWorkspaceEdit(edit: WorkspaceEdit): Promise<vscode.WorkspaceEdit>;
  asUri(uri: string): vscode.Uri;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The uris (as the server spelled them) the edit creates or edits, in order, once each. */
export function touchedUris(edit: WorkspaceEdit): string[] {
  const uris: string[] = [];
  for (const change of (edit.documentChanges ?? []) as unknown[]) {
    if (!isRecord(change)) continue;
    const doc = change.textDocument;
    if (isRecord(doc) && typeof doc.uri === 'string') {
      uris.push(doc.uri);
    } else if (change.kind === 'create' && typeof change.uri === 'string') {
      uris.push(change.uri);
    } else if (change.kind === 'rename' && typeof change.newUri === 'string') {
      uris.push(change.newUri);
    }
  }
  uris.push(...Object.keys(edit.changes ?? {}));
  return [...new Set(uris)];
}

/** The edits whose document is open at another version than the server edited. */
export function staleVersions(
  edit: WorkspaceEdit,
  openVersions: Map<string, number>,
  asKey: (uri: string) => string,
): string[] {
  const stale: string[] = [];
  for (const change of (edit.documentChanges ?? []) as unknown[]) {
    const doc = isRecord(change) ? change.textDocument : undefined;
    if (!isRecord(doc) || typeof doc.uri !== 'string' || typeof doc.version !== 'number' || doc.version < 0) continue;
    const open = openVersions.get(asKey(doc.uri));
    if (open !== undefined && open !== doc.version) stale.push(doc.uri);
  }
  return stale;
}

/** Whether a change annotation of the edit asks the user to confirm (a refactor preview). */
export function needsConfirmation(edit: WorkspaceEdit): boolean {
  return Object.values(edit.changeAnnotations ?? {}).some((a) => a.needsConfirmation === true);
}

/** Apply the server's edit, then save the documents it touched. */
export async function applyAndSave(
  params: ApplyWorkspaceEditParams,
  converter: EditConverter,
): Promise<ApplyWorkspaceEditResult> {
  const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d.version]));
  const stale = staleVersions(params.edit, open, (uri) => converter.asUri(uri).toString());
  if (stale.length) {
    return { applied: false, failureReason: `changed in the editor meanwhile: ${stale.join(', ')}` };
  }
  const converted = await converter.asWorkspaceEdit(params.edit);
  const confirm = needsConfirmation(params.edit);
  const before = confirm ? await textsOf(textEdits(params.edit), converter) : new Map<string, string | undefined>();
  const applied = await vscode.workspace.applyEdit(converted, { isRefactoring: confirm });
  if (!applied) {
    const why = confirm ? 'the preview was discarded, or VS Code did not apply the edit' : 'VS Code did not apply the edit';
    return { applied: false, failureReason: why };
  }
  if (confirm) {
    const partly = await takeBackIfPartial(params.edit, before, converter);
    if (partly) return { applied: false, failureReason: partly };
  }
  const unsaved = await saveAll(touchedUris(params.edit).map((uri) => converter.asUri(uri)));
  if (unsaved.length) log.warn(`applied, but could not save: ${unsaved.join(', ')}`);
  return { applied: true };
}

/** Save each document; the ones that failed to save. */
async function saveAll(uris: vscode.Uri[]): Promise<string[]> {
  const failed: string[] = [];
  for (const uri of uris) {
    const key = uri.toString();
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
    if (!doc?.isDirty) continue;
    if (!(await doc.save())) failed.push(uri.fsPath);
  }
  return failed;
}

function isTextDocumentEdit(change: unknown): change is TextDocumentEdit {
  return isRecord(change) && isRecord(change.textDocument) && Array.isArray(change.edits);
}

/** The edit's text edits by document uri (as the server spelled it), in order. */
export function textEdits(edit: WorkspaceEdit): Map<string, TextEdit[]> {
  const byUri = new Map<string, TextEdit[]>();
  const add = (uri: string, edits: TextEdit[]) => byUri.set(uri, [...(byUri.get(uri) ?? []), ...edits]);
  for (const change of (edit.documentChanges ?? []) as unknown[]) {
    if (isTextDocumentEdit(change)) add(change.textDocument.uri, change.edits);
  }
  for (const [uri, edits] of Object.entries(edit.changes ?? {})) add(uri, edits);
  return byUri;
}

function offsetAt(text: string, lineStarts: number[], position: Position): number {
  const start = lineStarts[Math.min(position.line, lineStarts.length - 1)] ?? 0;
  if (position.line >= lineStarts.length) return text.length;
  const next = lineStarts[position.line + 1] ?? text.length + 1;
  return Math.min(start + position.character, next - 1, text.length);
}

/** `text` with LSP text edits (UTF-16 positions, all on the original text) applied. */
export function withEdits(text: string, edits: TextEdit[]): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const spans = edits
    .map((e, order) => ({ from: offsetAt(text, lineStarts, e.range.start), to: offsetAt(text, lineStarts, e.range.end), text: e.newText, order }))
    .sort((a, b) => b.from - a.from || b.order - a.order);
  let result = text;
  for (const span of spans) result = result.slice(0, span.from) + span.text + result.slice(span.to);
  return result;
}

/** The end position of `text`. */
export function endOf(text: string): Position {
  const lines = text.split('\n');
  return { line: lines.length - 1, character: lines[lines.length - 1].length };
}

/** Each document's text now (undefined when there is no such file), by the server's uri. */
async function textsOf(byUri: Map<string, unknown>, converter: EditConverter): Promise<Map<string, string | undefined>> {
  const texts = new Map<string, string | undefined>();
  for (const uri of byUri.keys()) {
    try {
      texts.set(uri, (await vscode.workspace.openTextDocument(converter.asUri(uri))).getText());
    } catch {
      texts.set(uri, undefined); // not created yet
    }
  }
  return texts;
}

/** When the preview applied only part of the edit: what it applied taken back, and why. */
async function takeBackIfPartial(
  edit: WorkspaceEdit,
  before: Map<string, string | undefined>,
  converter: EditConverter,
): Promise<string | undefined> {
  const byUri = textEdits(edit);
  const after = await textsOf(byUri, converter);
  const leftOut = [...byUri].filter(([uri, edits]) => after.get(uri) !== withEdits(before.get(uri) ?? '', edits)).map(([uri]) => uri);
  if (!leftOut.length) return undefined;
  const changed = [...byUri.keys()].filter((uri) => after.get(uri) !== before.get(uri));
  const back: (TextDocumentEdit | DeleteFile)[] = changed.map((uri) => {
    const was = before.get(uri);
    return was === undefined
      ? { kind: 'delete', uri, options: { ignoreIfNotExists: true } }
      : {
          textDocument: { uri, version: null },
          edits: [{ range: { start: { line: 0, character: 0 }, end: endOf(after.get(uri) ?? '') }, newText: was }],
        };
  });
  const names = leftOut.map((uri) => converter.asUri(uri).fsPath.split(/[\\/]/).pop()).join(', ');
  if (back.length) {
    const restored = await vscode.workspace.applyEdit(await converter.asWorkspaceEdit({ documentChanges: back }));
    const unsaved = restored ? await saveAll(changed.map((uri) => converter.asUri(uri))) : changed;
    if (!restored || unsaved.length) {
      log.warn(`the preview applied part of the update; could not take back: ${unsaved.join(', ')}`);
      return `the preview left out ${names}, and the part it applied could not all be taken back: undo it in the editor`;
    }
  }
  return `the preview left out ${names} (check every file to apply the update); the part it applied was taken back`;
}
