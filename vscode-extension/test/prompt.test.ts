import { CancellationTokenSource, created, flush } from './vscode-stub';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { askQuestion } from '../src/common/prompt';

const options = [
  { id: 'vFirewall', label: 'vFirewall', description: 'Filtering, NAT, VPN' },
  { id: 'vRouter', label: 'vRouter', description: 'BGP, OSPF' },
  { id: 'vVPN', label: 'vVPN', description: '' },
];

function ask(params: Record<string, unknown>, source = new CancellationTokenSource()): Promise<unknown> {
  const base = { id: 'service_type', step: 'service_type', text: 'Which service?', stepNumber: 1, totalSteps: 9 };
  return askQuestion({ ...base, ...params }, source.token);
}

describe('serviceCreator/ask UI', () => {
  it('answers a single select with the option id', async () => {
    const answer = ask({ kind: 'single_select', options, default: 'vRouter' });
    const pick = created.quickPick!;
    assert.equal(pick.shown, true);
    assert.equal(pick.title, 'Service type: Which service?');
    assert.equal(pick.placeholder, 'Choose one (type to filter, Enter to choose)');
    assert.equal(pick.step, 1);
    assert.equal(pick.totalSteps, 9);
    assert.equal(pick.ignoreFocusOut, true);
    assert.deepEqual(
      pick.activeItems.map((i) => i.id),
      ['vRouter'],
    );
    pick.choose('vVPN');
    pick.accept();
    assert.equal(await answer, 'vVPN');
    assert.equal(pick.disposed, true);
  });

  it('keeps a multi select open until the selection is valid', async () => {
    const answer = ask({
      kind: 'multi_select',
      options,
      explanation: 'Pick the gear.',
      validation: { minSelections: 2 },
    });
    const pick = created.quickPick!;
    assert.equal(pick.canSelectMany, true);
    pick.choose('vRouter');
    pick.accept();
    await flush();
    assert.equal(pick.disposed, false);
    assert.equal(pick.placeholder, 'Choose at least 2 options (1 chosen).');
    pick.choose('vRouter', 'vFirewall');
    assert.equal(pick.placeholder, 'Choose at least 2 options (Space to toggle, Enter to confirm)');
    assert.equal(pick.title, 'Service type: Which service? — Pick the gear.');
    pick.accept();
    assert.deepEqual(await answer, ['vFirewall', 'vRouter']);
  });

  it('answers null when the user presses Escape', async () => {
    const answer = ask({ kind: 'multi_select', options });
    created.quickPick!.hide();
    assert.equal(await answer, null);
    assert.equal(created.quickPick!.disposed, true);
  });

  it('answers null and closes the prompt when the server cancels the request', async () => {
    const source = new CancellationTokenSource();
    const answer = ask({ kind: 'free_text' }, source);
    source.cancel();
    assert.equal(await answer, null);
    assert.equal(created.inputBox!.disposed, true);
  });

  it('answers a confirm with a boolean', async () => {
    const answer = ask({ kind: 'confirm', default: true });
    const pick = created.quickPick!;
    pick.choose('no');
    pick.accept();
    assert.equal(await answer, false);
  });

  it('shows a confirmation with its summary under a separator; a summary line answers no', async () => {
    const answer = ask({
      id: 'confirm',
      step: 'confirm',
      kind: 'confirm',
      text: 'Generate this service?\n\nService: vFirewall\nDeployment: both',
      explanation: 'Say no to change an answer first.',
      default: true,
    });
    const pick = created.quickPick!;
    assert.equal(pick.title, 'Confirm: Generate this service? — Say no to change an answer first.');
    assert.equal(pick.placeholder, 'Yes, No, or an answer below to change it');
    assert.deepEqual(
      pick.items.map((i) => [i.label, i.kind ?? 0]),
      [
        ['Yes', 0],
        ['No', 0],
        ['Your answers (pick one to change it)', -1],
        ['Service: vFirewall', 0],
        ['Deployment: both', 0],
      ],
    );
    assert.deepEqual(
      pick.activeItems.map((i) => i.id),
      ['yes'],
    );
    pick.choose('summary:1');
    pick.accept();
    assert.equal(await answer, false);
  });

  it('shows the whole explanation of a free-text question in the prompt, not the placeholder', async () => {
    const explanation = 'Used for the project, the container image and the Kubernetes objects: lowercase letters, digits and dashes.';
    const answer = ask({ id: 'service_name', step: 'vendors', kind: 'free_text', explanation, stepNumber: 2 });
    const box = created.inputBox!;
    assert.equal(box.title, 'Which service?');
    assert.equal(box.step, 2);
    assert.equal(box.prompt, explanation);
    box.hide();
    assert.equal(await answer, null);
  });

  it('validates a number as it is typed and answers a number', async () => {
    const answer = ask({ kind: 'number', default: 3, validation: { minValue: 2, maxValue: 5 } });
    const box = created.inputBox!;
    assert.equal(box.value, '3');
    assert.equal(box.validationMessage, undefined);
    box.type('9');
    assert.equal(box.validationMessage, 'Must be at most 5.');
    box.accept();
    await flush();
    assert.equal(box.disposed, false);
    box.type('4');
    assert.equal(box.validationMessage, undefined);
    box.accept();
    assert.equal(await answer, 4);
  });

  it('answers free text as typed', async () => {
    const answer = ask({ kind: 'free_text', validation: { maxLength: 20 } });
    const box = created.inputBox!;
    box.type('edge firewall');
    box.accept();
    assert.equal(await answer, 'edge firewall');
  });

  it('rejects malformed params (the client returns a JSON-RPC error)', async () => {
    await assert.rejects(ask({ kind: 'single_select', options: [] }), /needs options/);
  });
});
