import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  answerFromInput,
  answerFromPick,
  humanizeStep,
  type InputSpec,
  parseQuestion,
  type PickSpec,
  type Question,
  toPromptSpec,
  validateInput,
  validateSelection,
} from '../src/common/ask';

function question(overrides: Record<string, unknown>): Question {
  return parseQuestion({
    id: 'service_type',
    step: 'service_type',
    text: 'Which service?',
    explanation: 'It decides the features.',
    kind: 'free_text',
    stepNumber: 2,
    totalSteps: 9,
    ...overrides,
  });
}

const vendors = [
  { id: 'Cisco', label: 'Cisco', description: 'ASA, FTD' },
  { id: 'F5', label: 'F5', description: '' },
  { id: 'Juniper', label: 'Juniper', description: 'SRX' },
];

describe('parseQuestion', () => {
  it('fills what the wire may omit', () => {
    const q = parseQuestion({ id: 'name', text: 'Name?', kind: 'free_text' });
    assert.deepEqual(q.options, []);
    assert.equal(q.default, null);
    assert.equal(q.explanation, '');
    assert.equal(q.stepNumber, 1);
    assert.equal(q.totalSteps, 1);
    assert.equal(q.validation.pattern, null);
  });

  it('keeps camelCase validation and drops non-numbers', () => {
    const q = question({ validation: { minSelections: 1, maxSelections: 'x', maxLength: 200, pattern: '' } });
    assert.equal(q.validation.minSelections, 1);
    assert.equal(q.validation.maxSelections, null);
    assert.equal(q.validation.maxLength, 200);
    assert.equal(q.validation.pattern, null);
  });

  it('rejects what cannot be asked', () => {
    assert.throws(() => parseQuestion(null), /Question object/);
    assert.throws(() => parseQuestion({ id: 'a', text: 'b', kind: 'essay' }), /unknown question kind "essay"/);
    assert.throws(() => parseQuestion({ id: 'a', text: 'b', kind: 'single_select' }), /needs options/);
    assert.throws(() => parseQuestion({ text: 'b', kind: 'free_text' }), /id and a text/);
  });
});

describe('toPromptSpec', () => {
  it('maps a single select to a QuickPick with the default active', () => {
    const spec = toPromptSpec(question({ kind: 'single_select', options: vendors, default: 'F5' })) as PickSpec;
    assert.equal(spec.type, 'pick');
    // a Quick Pick's title wraps, its placeholder does not: the explanation goes in the title
    assert.equal(spec.title, 'Service type: Which service? — It decides the features.');
    assert.equal(spec.step, 2);
    assert.equal(spec.totalSteps, 9);
    assert.equal(spec.placeholder, 'Choose one (type to filter, Enter to choose)');
    assert.equal(spec.canPickMany, false);
    assert.equal(spec.activeId, 'F5');
    assert.deepEqual(spec.items[0], { id: 'Cisco', label: 'Cisco', detail: 'ASA, FTD', picked: false });
    assert.deepEqual(spec.items[1], { id: 'F5', label: 'F5', picked: false });
  });

  it('ignores a default that is not an option', () => {
    const spec = toPromptSpec(question({ kind: 'single_select', options: vendors, default: 'Nokia' })) as PickSpec;
    assert.equal(spec.activeId, undefined);
  });

  it('maps a multi select to canPickMany with the defaults picked and the limits in the placeholder', () => {
    const q = question({
      kind: 'multi_select',
      options: vendors,
      default: ['Cisco', 'Juniper'],
      validation: { minSelections: 1, maxSelections: 2 },
    });
    const spec = toPromptSpec(q) as PickSpec;
    assert.equal(spec.canPickMany, true);
    assert.deepEqual(
      spec.items.map((i) => i.picked),
      [true, false, true],
    );
    assert.equal(spec.placeholder, 'Choose 1 to 2 options (Space to toggle, Enter to confirm)');
    assert.equal(spec.title, 'Service type: Which service? — It decides the features.');
  });

  it('words selection limits', () => {
    const hint = (validation: Record<string, number>): string =>
      (toPromptSpec(question({ kind: 'multi_select', options: vendors, explanation: '', validation })) as PickSpec)
        .placeholder;
    assert.match(hint({ minSelections: 1 }), /^Choose at least 1 option \(/);
    assert.match(hint({ maxSelections: 3 }), /^Choose at most 3 options \(/);
    assert.match(hint({ minSelections: 2, maxSelections: 2 }), /^Choose 2 options \(/);
    assert.match(hint({}), /^Choose any number of options \(/);
    const bare = toPromptSpec(question({ kind: 'multi_select', options: vendors, explanation: '' })) as PickSpec;
    assert.equal(bare.title, 'Service type: Which service?');
  });

  it("names the step in the title only for the step's own question", () => {
    // the interview graph asks the service name in the vendors step, the price in pricing_model
    const title = (overrides: Record<string, unknown>): string =>
      toPromptSpec(question({ explanation: '', ...overrides })).title;
    assert.equal(title({ id: 'vendors', step: 'vendors', kind: 'multi_select', options: vendors, text: 'Which vendors?' }),
      'Vendors: Which vendors?');
    assert.equal(title({ id: 'service_name', step: 'vendors', text: 'What should the service be called?' }),
      'What should the service be called?');
    assert.equal(title({ id: 'price', step: 'pricing_model', kind: 'number', text: 'What is the base price?' }),
      'What is the base price?');
    assert.equal(title({ id: 'product_cisco', step: 'vendors', kind: 'single_select', options: vendors, text: 'Which Cisco product?' }),
      'Which Cisco product?');
    const spec = toPromptSpec(question({ id: 'price', step: 'pricing_model', kind: 'number', stepNumber: 4 }));
    assert.equal(spec.step, 4); // VS Code shows "(4/9)" after the title
  });

  it('maps a confirmation to Yes/No and its summary, each line picking "No"', () => {
    const q = question({
      id: 'confirm',
      step: 'confirm',
      kind: 'confirm',
      text: 'Generate this service?\n\nService: vFirewall \'edge\'\nVendors: Cisco (FTD)',
      explanation: 'Say no to change an answer first.',
      default: true,
    });
    const spec = toPromptSpec(q) as PickSpec;
    assert.equal(spec.title, 'Confirm: Generate this service? — Say no to change an answer first.');
    assert.equal(spec.placeholder, 'Yes, No, or an answer below to change it');
    assert.deepEqual(
      spec.items.map((i) => i.label),
      ['Yes', 'No', "Service: vFirewall 'edge'", 'Vendors: Cisco (FTD)'],
    );
    assert.equal(spec.items[2].separatorAbove, 'Your answers (pick one to change it)');
    assert.equal(spec.activeId, 'yes');
    assert.equal(answerFromPick(q, ['yes']), true);
    assert.equal(answerFromPick(q, [spec.items[3].id]), false);
  });

  it('maps confirm to Yes/No with the default active', () => {
    const yes = toPromptSpec(question({ kind: 'confirm', default: true })) as PickSpec;
    assert.deepEqual(
      yes.items.map((i) => i.label),
      ['Yes', 'No'],
    );
    assert.equal(yes.activeId, 'yes');
    const no = toPromptSpec(question({ kind: 'confirm', default: false })) as PickSpec;
    assert.equal(no.activeId, 'no');
  });

  it('maps free text to an InputBox with the default as value and the limit in the prompt', () => {
    const spec = toPromptSpec(
      question({ kind: 'free_text', default: 'edge firewall', validation: { maxLength: 200 } }),
    ) as InputSpec;
    assert.equal(spec.type, 'input');
    assert.equal(spec.value, 'edge firewall');
    assert.equal(spec.prompt, 'It decides the features. — At most 200 characters');
    assert.equal(spec.title, 'Service type: Which service?');
  });

  it('maps a number to an InputBox with its range', () => {
    const spec = toPromptSpec(
      question({ kind: 'number', default: 3, validation: { minValue: 2, maxValue: 5 } }),
    ) as InputSpec;
    assert.equal(spec.value, '3');
    assert.equal(spec.placeholder, 'A number from 2 to 5');
    assert.equal(spec.prompt, 'It decides the features. — A number from 2 to 5');
  });

  it('humanizes step ids', () => {
    assert.equal(humanizeStep('vendor_api'), 'Vendor API');
    assert.equal(humanizeStep('api_docs_url'), 'API docs URL');
    assert.equal(humanizeStep('logging-observability'), 'Logging observability');
    assert.equal(humanizeStep(''), '');
    const spec = toPromptSpec(question({ step: '' })) as InputSpec;
    assert.equal(spec.title, 'Which service?');
  });
});

describe('validateInput', () => {
  const price = question({ kind: 'number', validation: { minValue: 0.5, maxValue: 1000 } });

  it('checks numbers', () => {
    assert.equal(validateInput(price, ''), 'Enter a number.');
    assert.equal(validateInput(price, 'ten'), '"ten" is not a number.');
    assert.equal(validateInput(price, '0x10'), '"0x10" is not a number.');
    assert.equal(validateInput(price, '0.1'), 'Must be at least 0.5.');
    assert.equal(validateInput(price, '1e4'), 'Must be at most 1000.');
    assert.equal(validateInput(price, ' 12.5 '), undefined);
    assert.equal(validateInput(price, '-.5'), 'Must be at least 0.5.');
  });

  it('checks text length and pattern against the whole answer', () => {
    const name = question({ validation: { maxLength: 10, pattern: '[a-z][a-z0-9-]+' } });
    assert.equal(validateInput(name, 'edge-fw'), undefined);
    assert.equal(validateInput(name, 'Edge'), 'Must match the pattern [a-z][a-z0-9-]+');
    assert.equal(validateInput(name, 'edge fw'), 'Must match the pattern [a-z][a-z0-9-]+');
    assert.equal(validateInput(name, 'a-very-long-name'), 'At most 10 characters (this has 16).');
  });

  it('leaves a pattern JavaScript cannot compile to the server', () => {
    const q = question({ validation: { pattern: '(?P<name>x)' } });
    assert.equal(validateInput(q, 'anything'), undefined);
  });
});

describe('validateSelection', () => {
  const q = question({ kind: 'multi_select', options: vendors, validation: { minSelections: 1, maxSelections: 2 } });

  it('enforces the multi-select limits', () => {
    assert.equal(validateSelection(q, 0), 'Choose at least 1 option (0 chosen).');
    assert.equal(validateSelection(q, 3), 'Choose at most 2 options (3 chosen).');
    assert.equal(validateSelection(q, 2), undefined);
  });

  it('needs exactly one for a single select', () => {
    const single = question({ kind: 'single_select', options: vendors });
    assert.equal(validateSelection(single, 0), 'Choose one option.');
    assert.equal(validateSelection(single, 1), undefined);
  });
});

describe('answers', () => {
  it('converts picks and input to the wire answer', () => {
    assert.equal(answerFromPick(question({ kind: 'single_select', options: vendors }), ['F5']), 'F5');
    assert.deepEqual(answerFromPick(question({ kind: 'multi_select', options: vendors }), ['F5', 'Cisco']), [
      'F5',
      'Cisco',
    ]);
    assert.equal(answerFromPick(question({ kind: 'confirm' }), ['yes']), true);
    assert.equal(answerFromPick(question({ kind: 'confirm' }), ['no']), false);
    assert.equal(answerFromInput(question({ kind: 'number' }), ' 42 '), 42);
    assert.equal(answerFromInput(question({ kind: 'free_text' }), 'edge fw'), 'edge fw');
  });
});
