/**
 * The interview question → QuickPick / InputBox mapping. Pure: no `vscode` import, so every
 * rule here (titles, items, defaults, validation messages, answer conversion) is unit-tested.
 * The vscode calls that show these specs live in `prompt.ts`.
 */

export const QUESTION_KINDS = ['single_select', 'multi_select', 'free_text', 'number', 'confirm'] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

export interface Option {
  id: string;
  label: string;
  description: string;
}

export interface Validation {
  minSelections?: number | null;
  maxSelections?: number | null;
  pattern?: string | null;
  minValue?: number | null;
  maxValue?: number | null;
  maxLength?: number | null;
}

export type AnswerValue = string | string[] | number | boolean;

export interface Question {
  id: string;
  step: string;
  text: string;
  explanation: string;
  kind: QuestionKind;
  options: Option[];
  default: AnswerValue | null;
  validation: Validation;
  stepNumber: number;
  totalSteps: number;
}

export interface PickItemSpec {
  id: string;
  label: string;
  detail?: string;
  picked: boolean;
  /** A separator line above the item, with this label. */
  separatorAbove?: string;
}

interface SpecBase {
  title: string;
  step: number;
  totalSteps: number;
}

export interface PickSpec extends SpecBase {
  type: 'pick';
  placeholder: string;
  items: PickItemSpec[];
  canPickMany: boolean;
  /** The item the cursor starts on (single choice: the default). */
  activeId?: string;
}

export interface InputSpec extends SpecBase {
  type: 'input';
  prompt: string;
  placeholder: string;
  value: string;
}

export type PromptSpec = PickSpec | InputSpec;

export const YES = 'yes';
export const NO = 'no';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function isAnswerValue(value: unknown): value is AnswerValue {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value)) ||
    (Array.isArray(value) && value.every((v) => typeof v === 'string'))
  );
}

/** Decode the params of a `serviceCreator/ask` request; throws on what cannot be asked. */
export function parseQuestion(params: unknown): Question {
  if (!isRecord(params)) {
    throw new Error('serviceCreator/ask: params must be a Question object');
  }
  const kind = params.kind;
  if (typeof kind !== 'string' || !(QUESTION_KINDS as readonly string[]).includes(kind)) {
    throw new Error(`serviceCreator/ask: unknown question kind ${JSON.stringify(kind)}`);
  }
  const id = str(params.id);
  const text = str(params.text);
  if (!id || !text) {
    throw new Error('serviceCreator/ask: a question needs an id and a text');
  }
  const options: Option[] = (Array.isArray(params.options) ? params.options : [])
    .filter(isRecord)
    .filter((o) => typeof o.id === 'string')
    .map((o) => ({ id: str(o.id), label: str(o.label, str(o.id)), description: str(o.description) }));
  if ((kind === 'single_select' || kind === 'multi_select') && options.length === 0) {
    throw new Error(`serviceCreator/ask: a ${kind} question needs options`);
  }
  const v = isRecord(params.validation) ? params.validation : {};
  return {
    id,
    step: str(params.step),
    text,
    explanation: str(params.explanation),
    kind: kind as QuestionKind,
    options,
    default: isAnswerValue(params.default) ? params.default : null,
    validation: {
      minSelections: num(v.minSelections),
      maxSelections: num(v.maxSelections),
      pattern: typeof v.pattern === 'string' && v.pattern ? v.pattern : null,
      minValue: num(v.minValue),
      maxValue: num(v.maxValue),
      maxLength: num(v.maxLength),
    },
    stepNumber: num(params.stepNumber) ?? 1,
    totalSteps: num(params.totalSteps) ?? 1,
  };
}

const ACRONYMS = new Set(['api', 'url', 'nat', 'vpn', 'jwt', 'sdk']);

/** "service_type" → "Service type", "vendor_api" → "Vendor API". */
export function humanizeStep(step: string): string {
  const words = step
    .split(/[_-]+/)
    .filter((w) => w)
    .map((w) => (ACRONYMS.has(w.toLowerCase()) ? w.toUpperCase() : w));
  const text = words.join(' ');
  return text ? text[0].toUpperCase() + text.slice(1) : '';
}

/** The question's first line: its question (a confirmation's summary follows it). */
export function headlineOf(q: Question): string {
  return q.text.split('\n')[0].trim();
}

/** The lines after the question's first: the confirmation's summary of the answers. */
export function detailLinesOf(q: Question): string[] {
  return q.text
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => line);
}

/**
 * The title bar: the question, named after its step only when it is that step's own question
 * ("Vendors: Which vendor platforms…", but not "Vendors: What should the service be called?",
 * the name being asked in the vendors step). VS Code appends "(n/N)" itself from the
 * QuickInput's `step`/`totalSteps`, which the spec carries.
 */
export function titleOf(q: Question): string {
  const step = q.id === q.step ? humanizeStep(q.step) : '';
  return step ? `${step}: ${headlineOf(q)}` : headlineOf(q);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function selectionHint(v: Validation): string {
  const { minSelections: min, maxSelections: max } = v;
  if (min != null && max != null) {
    return min === max ? `choose ${plural(min, 'option')}` : `choose ${min} to ${max} options`;
  }
  if (min != null) return `choose at least ${plural(min, 'option')}`;
  if (max != null) return `choose at most ${plural(max, 'option')}`;
  return 'choose any number of options';
}

function numberHint(v: Validation): string {
  const { minValue: min, maxValue: max } = v;
  if (min != null && max != null) return `a number from ${min} to ${max}`;
  if (min != null) return `a number, at least ${min}`;
  if (max != null) return `a number, at most ${max}`;
  return 'a number';
}

function sentence(...parts: string[]): string {
  return parts
    .filter((p) => p)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join(' — ');
}

function defaultIds(q: Question): string[] {
  const d = q.default;
  if (Array.isArray(d)) return d;
  return typeof d === 'string' ? [d] : [];
}

function base(q: Question): SpecBase {
  return { title: titleOf(q), step: q.stepNumber, totalSteps: q.totalSteps };
}

/**
 * A Quick Pick has no prompt line, and its placeholder is one line that a long explanation
 * overflows; its title wraps. So a pick's title carries the question and its explanation, and
 * the placeholder says how to answer.
 */
function explained(title: string, explanation: string): string {
  return explanation ? `${title} — ${sentence(explanation)}` : title;
}

function pickSpec(q: Question): PickSpec {
  const defaults = defaultIds(q);
  const items = q.options.map((o) => ({
    id: o.id,
    label: o.label,
    ...(o.description ? { detail: o.description } : {}),
    picked: q.kind === 'multi_select' && defaults.includes(o.id),
  }));
  const many = q.kind === 'multi_select';
  const active = many ? undefined : defaults.find((id) => q.options.some((o) => o.id === id));
  return {
    type: 'pick',
    ...base(q),
    title: explained(titleOf(q), q.explanation),
    placeholder: many
      ? `${sentence(selectionHint(q.validation))} (Space to toggle, Enter to confirm)`
      : 'Choose one (type to filter, Enter to choose)',
    items,
    canPickMany: many,
    ...(active !== undefined ? { activeId: active } : {}),
  };
}

/** The id of a summary line in a confirmation; picking one means "no, change an answer". */
export const SUMMARY_PREFIX = 'summary:';

function confirmSpec(q: Question): PickSpec {
  const summary = detailLinesOf(q).map((line, index) => ({
    id: `${SUMMARY_PREFIX}${index}`,
    label: line,
    picked: false,
    ...(index === 0 ? { separatorAbove: 'Your answers (pick one to change it)' } : {}),
  }));
  return {
    type: 'pick',
    ...base(q),
    title: explained(titleOf(q), q.explanation),
    placeholder: summary.length ? 'Yes, No, or an answer below to change it' : 'Yes or No',
    items: [
      { id: YES, label: 'Yes', picked: false },
      { id: NO, label: 'No', detail: 'Choose an answer to change', picked: false },
      ...summary,
    ],
    canPickMany: false,
    activeId: q.default === false ? NO : YES,
  };
}

function inputSpec(q: Question): InputSpec {
  const v = q.validation;
  const hint =
    q.kind === 'number'
      ? numberHint(v)
      : v.maxLength != null
        ? `at most ${plural(v.maxLength, 'character')}`
        : '';
  const value = typeof q.default === 'string' || typeof q.default === 'number' ? String(q.default) : '';
  return {
    type: 'input',
    ...base(q),
    prompt: sentence(q.explanation, hint),
    placeholder: hint ? sentence(hint) : '',
    value,
  };
}

/** What to show for a question. */
export function toPromptSpec(q: Question): PromptSpec {
  switch (q.kind) {
    case 'single_select':
    case 'multi_select':
      return pickSpec(q);
    case 'confirm':
      return confirmSpec(q);
    case 'free_text':
    case 'number':
      return inputSpec(q);
  }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A RegExp for the question's pattern, matched against the whole answer; null if JS can't compile it. */
export function compilePattern(pattern: string): RegExp | null {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return null;
  }
}

/** The InputBox validation message for `value`, or undefined when it is acceptable. */
export function validateInput(q: Question, value: string): string | undefined {
  const v = q.validation;
  if (q.kind === 'number') {
    const text = value.trim();
    if (!text) return 'Enter a number.';
    if (!NUMBER.test(text)) return `"${text}" is not a number.`;
    const n = Number(text);
    if (v.minValue != null && n < v.minValue) return `Must be at least ${v.minValue}.`;
    if (v.maxValue != null && n > v.maxValue) return `Must be at most ${v.maxValue}.`;
    return undefined;
  }
  if (v.maxLength != null && value.length > v.maxLength) {
    return `At most ${plural(v.maxLength, 'character')} (this has ${value.length}).`;
  }
  if (v.pattern) {
    const re = compilePattern(v.pattern);
    if (re && !re.test(value)) return `Must match the pattern ${v.pattern}`;
  }
  return undefined;
}

/** The message shown when a multi-select is accepted with the wrong number of options. */
export function validateSelection(q: Question, count: number): string | undefined {
  if (q.kind !== 'multi_select') return count === 1 ? undefined : 'Choose one option.';
  const { minSelections: min, maxSelections: max } = q.validation;
  if (min != null && count < min) return `Choose at least ${plural(min, 'option')} (${count} chosen).`;
  if (max != null && count > max) return `Choose at most ${plural(max, 'option')} (${count} chosen).`;
  return undefined;
}

/** The answer for the picked option ids. */
export function answerFromPick(q: Question, ids: readonly string[]): AnswerValue {
  if (q.kind === 'multi_select') return [...ids];
  if (q.kind === 'confirm') return ids[0] === YES; // No, or a summary line to change
  return ids[0] ?? '';
}

/** The answer for an accepted InputBox value (already validated). */
export function answerFromInput(q: Question, value: string): AnswerValue {
  return q.kind === 'number' ? Number(value.trim()) : value;
}
