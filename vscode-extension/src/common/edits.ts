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
 * and the server records nothing.
 */
import * as vscode from 'vscode';
import type { ApplyWorkspaceEditParams, ApplyWorkspaceEditResult, WorkspaceEdit } from 'vscode-languageclient/node';
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
  const applied = await vscode.workspace.applyEdit(converted, { isRefactoring: confirm });
  if (!applied) {
    const why = confirm ? 'the preview was discarded, or VS Code did not apply the edit' : 'VS Code did not apply the edit';
    return { applied: false, failureReason: why };
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
