/**
 * Reading the server's command results (camelCase JSON of the tools' output models) into what
 * the UI says. Pure and tolerant: a field we don't find just isn't mentioned.
 */

export type Json = Record<string, unknown>;

export function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(obj: Json, key: string): Json | undefined {
  const value = obj[key];
  return isJson(value) ? value : undefined;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export interface SessionInfo {
  id?: string;
  status?: string;
  step?: number;
  totalSteps?: number;
}

/** The session in a result: `result.session`, or the result itself (a Session or an InterviewState). */
export function sessionOf(result: unknown): SessionInfo | undefined {
  if (!isJson(result)) return undefined;
  const s = field(result, 'session') ?? ('status' in result && 'step' in result ? result : undefined);
  if (!s) return undefined;
  return {
    ...(typeof s.id === 'string' ? { id: s.id } : typeof s.sessionId === 'string' ? { id: s.sessionId } : {}),
    ...(typeof s.status === 'string' ? { status: s.status } : {}),
    ...(typeof s.step === 'number' ? { step: s.step } : {}),
    ...(typeof s.totalSteps === 'number' ? { totalSteps: s.totalSteps } : {}),
  };
}

export interface ReportInfo {
  outcome: string;
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  message: string;
  failures: Failure[];
}

export interface Failure {
  testId: string;
  message: string;
}

/** The TestReport in a result: `result.report`, or the result itself when it is one. */
export function reportOf(result: unknown): ReportInfo | undefined {
  if (!isJson(result)) return undefined;
  const r = field(result, 'report') ?? (typeof result.outcome === 'string' ? result : undefined);
  if (!r || typeof r.outcome !== 'string') return undefined;
  const tests = Array.isArray(r.tests) ? r.tests.filter(isJson) : [];
  return {
    outcome: r.outcome,
    passed: count(r.passed),
    failed: count(r.failed),
    errors: count(r.errors),
    skipped: count(r.skipped),
    message: typeof r.message === 'string' ? r.message : '',
    failures: tests
      .filter((t) => typeof t.id === 'string' && (t.outcome === 'failed' || t.outcome === 'error'))
      .map((t) => ({ testId: t.id as string, message: typeof t.message === 'string' ? t.message : '' })),
  };
}

/** "12 passed, 1 failed" (errors and skipped only when there are any). */
export function reportSummary(r: ReportInfo): string {
  const parts = [`${r.passed} passed`, `${r.failed} failed`];
  if (r.errors) parts.push(`${r.errors} errors`);
  if (r.skipped) parts.push(`${r.skipped} skipped`);
  return parts.join(', ');
}

/** A one-line status for the status bar. */
export function sessionSummary(s: SessionInfo): string {
  const step = s.step !== undefined && s.totalSteps !== undefined ? `step ${s.step}/${s.totalSteps}` : '';
  const status = s.status?.replace(/_/g, ' ') ?? '';
  return [step, status].filter((p) => p).join(' · ') || 'session';
}

export interface Notice {
  level: 'info' | 'warning' | 'error';
  message: string;
  /** Buttons: the label and the client command it runs. */
  actions: { title: string; command: string }[];
}

export const CLIENT_COMMANDS = {
  newService: 'serviceCreator.newService',
  resumeInterview: 'serviceCreator.resumeInterview',
  generate: 'serviceCreator.generateService',
  runTests: 'serviceCreator.runSandboxTests',
  fixFailure: 'serviceCreator.fixTestFailure',
  changeRequirement: 'serviceCreator.changeServiceRequirement',
  showSession: 'serviceCreator.openSession',
  setApiKey: 'serviceCreator.setApiKey',
  restartServer: 'serviceCreator.restartServer',
} as const;

function messageOf(result: unknown): string {
  return isJson(result) && typeof result.message === 'string' && result.message.trim()
    ? ` ${result.message.trim()}`
    : '';
}

function interviewNotice(result: unknown): Notice {
  const s = sessionOf(result);
  const more = messageOf(result);
  if (s?.status === 'complete') {
    return {
      level: 'info',
      message: `Service Creator: the interview is complete.${more}`,
      actions: [{ title: 'Generate', command: CLIENT_COMMANDS.generate }],
    };
  }
  if (s?.status === 'generated') {
    return {
      level: 'info',
      message: `Service Creator: this service is already generated.${more}`,
      actions: [{ title: 'Run Sandbox Tests', command: CLIENT_COMMANDS.runTests }],
    };
  }
  const where = s?.step !== undefined ? ` at step ${s.step}/${s.totalSteps ?? '?'}` : '';
  return {
    level: 'info',
    message: `Service Creator: interview paused${where}; nothing is lost.`,
    actions: [{ title: 'Resume', command: CLIENT_COMMANDS.resumeInterview }],
  };
}

function listOf(obj: Json, key: string): string[] {
  const value = obj[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function generateNotice(result: unknown): Notice {
  const r = isJson(result) ? result : {};
  const written = listOf(r, 'written').length;
  const conflicts = listOf(r, 'conflicts');
  const parts = [`wrote ${written} file${written === 1 ? '' : 's'}`];
  if (conflicts.length) parts.push(`kept ${conflicts.length} you changed (ours beside them as .new)`);
  if (r.cancelled === true) {
    return {
      level: 'warning',
      message: `Service Creator: generation cancelled; ${parts.join('; ')}.`,
      actions: [{ title: 'Generate Again', command: CLIENT_COMMANDS.generate }],
    };
  }
  return {
    level: conflicts.length ? 'warning' : 'info',
    message: `Service Creator: generated the service; ${parts.join('; ')}.`,
    actions: [{ title: 'Run Sandbox Tests', command: CLIENT_COMMANDS.runTests }],
  };
}

function testsNotice(result: unknown): Notice {
  const r = reportOf(result);
  if (!r) return { level: 'info', message: 'Service Creator: sandbox run finished.', actions: [] };
  const why = r.message ? ` ${r.message}` : '';
  if (r.outcome === 'passed') {
    return { level: 'info', message: `Service Creator: ${reportSummary(r)}.`, actions: [] };
  }
  return {
    level: 'error',
    message: `Service Creator: ${r.outcome.replace(/_/g, ' ')}: ${reportSummary(r)}.${why}`,
    actions: r.failures.length ? [{ title: 'Fix Failure', command: CLIENT_COMMANDS.fixFailure }] : [],
  };
}

/** A requirement change's files by status (regenerated, merged, conflict, untouched). */
function statusesOf(r: Json): { status: string; keptAs?: string }[] {
  const files = Array.isArray(r.files) ? r.files.filter(isJson) : [];
  return files.map((f) => ({
    status: typeof f.status === 'string' ? f.status : '',
    ...(typeof f.keptAs === 'string' ? { keptAs: f.keptAs } : {}),
  }));
}

function changeNotice(result: unknown): Notice | undefined {
  if (!isJson(result)) return undefined; // the user dismissed a prompt: nothing changed
  const files = statusesOf(result);
  const counted = (status: string) => files.filter((f) => f.status === status).length;
  const marked = files.filter((f) => f.status === 'conflict' && !f.keptAs).length;
  const beside = files.filter((f) => f.status === 'conflict' && f.keptAs).length;
  const parts = [`${counted('regenerated')} regenerated`, `${counted('merged')} merged with your edits`];
  if (marked) parts.push(`${marked} with conflicts marked (resolve each from Problems with its quick fix)`);
  if (beside) parts.push(`${beside} kept as yours (ours beside them as .new)`);
  const changed = listOf(result, 'changed');
  const what = changed.length ? `changed ${changed.join(', ')}` : 'nothing changed';
  return {
    level: marked || beside ? 'warning' : 'info',
    message: `Service Creator: ${what}; ${parts.join(', ')}. \`service-creator update --undo\` takes it back.`,
    actions: [{ title: 'Run Sandbox Tests', command: CLIENT_COMMANDS.runTests }],
  };
}

/** What to tell the user when a server command returns. */
export function noticeFor(serverCommand: string, result: unknown): Notice | undefined {
  switch (serverCommand) {
    case 'serviceCreator.startInterview':
      return interviewNotice(result);
    case 'serviceCreator.generate':
      return generateNotice(result);
    case 'serviceCreator.changeRequirement':
      return changeNotice(result);
    case 'serviceCreator.runTests':
    case 'serviceCreator.fixFailure':
      return testsNotice(result);
    default:
      return undefined;
  }
}

/** A diagnostic as far as picking a failure goes (`data` is LSP's diagnostic data, if kept). */
export interface DiagnosticLike {
  source?: string;
  message: string;
  code?: string | number | { value: string | number };
  data?: unknown;
}

/** The code of a warning on a line a failing test implicates (not the failure itself). */
export const SUSPICIOUS_LINE = 'suspicious-line';

/** The failing tests named by our diagnostics: `data.testId`, else the diagnostic's code. */
export function failuresFromDiagnostics(diagnostics: Iterable<DiagnosticLike>): Failure[] {
  const seen = new Map<string, Failure>();
  for (const d of diagnostics) {
    const code = typeof d.code === 'object' ? d.code.value : d.code;
    if (d.source !== 'service-creator' || code === SUSPICIOUS_LINE) continue;
    const fromData = isJson(d.data) && typeof d.data.testId === 'string' ? d.data.testId : undefined;
    const testId = fromData ?? (typeof code === 'string' && code.includes('::') ? code : undefined);
    if (testId && !seen.has(testId)) seen.set(testId, { testId, message: d.message });
  }
  return [...seen.values()];
}
