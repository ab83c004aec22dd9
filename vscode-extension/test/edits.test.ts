import { api, Uri } from './vscode-stub';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkspaceEdit } from 'vscode-languageclient/node';
import { applyAndSave, endOf, needsConfirmation, staleVersions, touchedUris, withEdits } from '../src/common/edits';

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

  it('computes what text edits make of a text', () => {
    const text = 'a\nbc\n';
    assert.equal(withEdits(text, [{ range: { start: { line: 0, character: 0 }, end: endOf(text) }, newText: 'X\n' }]), 'X\n');
    const two = [
      { range: { start: { line: 1, character: 1 }, end: { line: 1, character: 2 } }, newText: 'Z' },
      { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: '# ' },
    ];
    assert.equal(withEdits(text, two), '# a\nbZ\n');
    assert.equal(withEdits('', [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: 'new\n' }]), 'new\n');
    assert.deepEqual(endOf(text), { line: 2, character: 0 });
  });

  it('takes back an update the preview applied only in part, and says it did not apply', async () => {
    // VS Code's preview leaves the edits that need confirmation unchecked; Apply then applies
    // the others only, and answers true
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
    const texts = new Map([
      ['/ws/config.py', 'A\n'],
      ['/ws/service_manager.py', 'mine\n'],
    ]);
    const config = { ...doc('/ws/config.py', 1, false), getText: () => texts.get('/ws/config.py') };
    api.workspace.textDocuments = [config];
    api.workspace.openTextDocument = (uri: Uri) => Promise.resolve({ getText: () => texts.get(uri.fsPath) });
    const applied: unknown[] = [];
    api.workspace.applyEdit = (converted: WorkspaceEdit) => {
      applied.push(converted);
      if (applied.length === 1) {
        texts.set('/ws/config.py', 'B\n'); // only the checked edit
      } else {
        for (const change of converted.documentChanges ?? []) {
          if ('textDocument' in change) texts.set(change.textDocument.uri.replace('file://', ''), change.edits[0].newText);
        }
      }
      config.isDirty = true;
      return Promise.resolve(true);
    };
    const result = await applyAndSave({ edit: update }, converter as never);
    assert.equal(result.applied, false);
    assert.match(result.failureReason ?? '', /left out service_manager\.py .*taken back/);
    assert.equal(applied.length, 2); // the update, then taking config.py back
    assert.equal(texts.get('/ws/config.py'), 'A\n');
    assert.equal(texts.get('/ws/service_manager.py'), 'mine\n');
    assert.equal(config.saved, 1);
    // every file checked: applied as a whole
    texts.set('/ws/service_manager.py', 'mine\n');
    api.workspace.applyEdit = () => {
      texts.set('/ws/config.py', 'B\n');
      texts.set('/ws/service_manager.py', 'C\n');
      return Promise.resolve(true);
    };
    assert.deepEqual(await applyAndSave({ edit: update }, converter as never), { applied: true });
  });

  it('reports an edit VS Code refused', async () => {
    api.workspace.textDocuments = [];
    api.workspace.applyEdit = () => Promise.resolve(false);
    assert.equal((await applyAndSave({ edit }, converter as never)).applied, false);
  });
});
