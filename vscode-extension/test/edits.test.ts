import { api, Uri } from './vscode-stub';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkspaceEdit } from 'vscode-languageclient/node';
import { applyAndSave, needsConfirmation, staleVersions, touchedUris } from '../src/common/edits';

// The shape the server's writer sends (frontends/lsp/writer.py): CreateFile + an insert for a
// new file, a full-range replace (versioned when open) for a file it wrote before.
const edit: WorkspaceEdit = {
  documentChanges: [
    { kind: 'create', uri: 'file:///ws/app/main.py', options: { overwrite: false, ignoreIfExists: true } },
    {
      textDocument: { uri: 'file:///ws/app/main.py', version: null },
      edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: 'x = 1\n' }],
    },
    {
      textDocument: { uri: 'file:///ws/README.md', version: 3 },
      edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } }, newText: '# hi\n' }],
    },
  ],
};

interface FakeDoc {
  uri: Uri;
  version: number;
  isDirty: boolean;
  saved: number;
  save(): Promise<boolean>;
}

function doc(path: string, version: number, isDirty: boolean): FakeDoc {
  return {
    uri: Uri.file(path),
    version,
    isDirty,
    saved: 0,
    save() {
      this.saved += 1;
      this.isDirty = false;
      return Promise.resolve(true);
    },
  };
}

const converter = {
  asUri: (uri: string) => Uri.file(uri.replace('file://', '')),
  asWorkspaceEdit: (e: WorkspaceEdit) => Promise.resolve(e as unknown),
};

describe('workspace/applyEdit', () => {
  it('names each created or edited document once', () => {
    assert.deepEqual(touchedUris(edit), ['file:///ws/app/main.py', 'file:///ws/README.md']);
    assert.deepEqual(touchedUris({ changes: { 'file:///ws/a.py': [] } }), ['file:///ws/a.py']);
  });

  it('finds edits for a version the open document has moved past', () => {
    const key = (uri: string) => uri;
    assert.deepEqual(staleVersions(edit, new Map([['file:///ws/README.md', 3]]), key), []);
    assert.deepEqual(staleVersions(edit, new Map([['file:///ws/README.md', 4]]), key), ['file:///ws/README.md']);
  });

  it('applies the edit, then saves the documents it touched and no other', async () => {
    const main = doc('/ws/app/main.py', 1, false);
    const readme = doc('/ws/README.md', 3, false);
    const yours = doc('/ws/notes.md', 7, true);
    const docs: FakeDoc[] = [readme, yours];
    const applied: unknown[] = [];
    api.workspace.textDocuments = docs;
    api.workspace.applyEdit = (converted: unknown) => {
      applied.push(converted);
      docs.push(main); // VS Code opens the created file as a dirty document
      main.isDirty = true;
      readme.isDirty = true;
      readme.version = 4;
      return Promise.resolve(true);
    };
    const result = await applyAndSave({ edit, label: 'Generate' }, converter as never);
    assert.deepEqual(result, { applied: true });
    assert.deepEqual(applied, [edit]);
    assert.equal(main.saved, 1);
    assert.equal(readme.saved, 1);
    assert.equal(yours.saved, 0);
  });

  it('refuses an edit for an older version, applying nothing', async () => {
    api.workspace.textDocuments = [doc('/ws/README.md', 5, true)];
    api.workspace.applyEdit = () => assert.fail('applied a stale edit');
    const result = await applyAndSave({ edit }, converter as never);
    assert.equal(result.applied, false);
    assert.match(result.failureReason ?? '', /README\.md/);
  });

  it('sends an update that merges into your files through the refactor preview', async () => {
    // the server's update (frontends/lsp/update.py): annotated edits, the merged one to confirm
    const update: WorkspaceEdit = {
      documentChanges: [
        {
          textDocument: { uri: 'file:///ws/config.py', version: null },
          edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }, newText: 'B\n', annotationId: 'regenerated' }],
        },
        {
          textDocument: { uri: 'file:///ws/service_manager.py', version: 2 },
          edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }, newText: 'C\n', annotationId: 'merged' }],
        },
      ],
      changeAnnotations: {
        regenerated: { label: 'Regenerated', needsConfirmation: false },
        merged: { label: 'Merged with your edits', needsConfirmation: true },
      },
    };
    assert.equal(needsConfirmation(update), true);
    assert.equal(needsConfirmation(edit), false);
    const metadata: unknown[] = [];
    api.workspace.textDocuments = [];
    api.workspace.applyEdit = (_converted: unknown, meta?: unknown) => {
      metadata.push(meta);
      return Promise.resolve(false); // the user discarded the preview
    };
    const result = await applyAndSave({ edit: update }, converter as never);
    assert.deepEqual(metadata, [{ isRefactoring: true }]);
    assert.deepEqual(result, { applied: false, failureReason: 'the preview was discarded, or VS Code did not apply the edit' });
  });

  it('reports an edit VS Code refused', async () => {
    api.workspace.textDocuments = [];
    api.workspace.applyEdit = () => Promise.resolve(false);
    assert.equal((await applyAndSave({ edit }, converter as never)).applied, false);
  });
});
