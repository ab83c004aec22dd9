import { created } from './vscode-stub';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failuresFromDiagnostics, noticeFor, reportOf, sessionOf, sessionSummary } from '../src/common/results';
import { parseStatus, StatusItem, statusText } from '../src/common/status';

const report = {
  outcome: 'failed',
  passed: 11,
  failed: 1,
  errors: 0,
  skipped: 2,
  message: '',
  tests: [
    { id: 'tests/test_api.py::test_create', outcome: 'passed' },
    { id: 'tests/test_api.py::test_delete', outcome: 'failed', message: 'assert 404 == 204' },
  ],
};

describe('command results', () => {
  it('reads a TestReport, bare or under "report"', () => {
    for (const result of [report, { report }]) {
      const r = reportOf(result);
      assert.equal(r?.outcome, 'failed');
      assert.deepEqual(r.failures, [{ testId: 'tests/test_api.py::test_delete', message: 'assert 404 == 204' }]);
    }
    assert.equal(reportOf({ written: [] }), undefined);
  });

  it('reads a session, bare or under "session"', () => {
    const session = { id: 'abc123', status: 'paused', step: 3, totalSteps: 9 };
    assert.deepEqual(sessionOf(session), session);
    assert.deepEqual(sessionOf({ session }), session);
    assert.deepEqual(sessionOf({ sessionId: 's9', workspace: '/ws', status: 'in_progress', step: 2, totalSteps: 9 }), {
      id: 's9',
      status: 'in_progress',
      step: 2,
      totalSteps: 9,
    });
    assert.equal(sessionSummary(session), 'step 3/9 · paused');
    assert.equal(sessionOf('nope'), undefined);
  });

  it('says what happened after each command', () => {
    const tests = noticeFor('serviceCreator.runTests', report);
    assert.equal(tests?.level, 'error');
    assert.equal(tests.message, 'Service Creator: failed: 11 passed, 1 failed, 2 skipped.');
    assert.deepEqual(
      tests.actions.map((a) => a.command),
      ['serviceCreator.fixTestFailure'],
    );

    const passed = noticeFor('serviceCreator.runTests', { ...report, outcome: 'passed', failed: 0, tests: [] });
    assert.equal(passed?.message, 'Service Creator: 11 passed, 0 failed, 2 skipped.');

    const paused = noticeFor('serviceCreator.startInterview', { session: { status: 'paused', step: 4, totalSteps: 9 } });
    assert.equal(paused?.message, 'Service Creator: interview paused at step 4/9; nothing is lost.');
    assert.equal(paused.actions[0]?.command, 'serviceCreator.resumeInterview');

    // InterviewState, as the server returns it
    const done = noticeFor('serviceCreator.startInterview', {
      sessionId: 's1',
      workspace: '/ws',
      status: 'complete',
      step: 9,
      totalSteps: 9,
      message: 'Ready to generate edge-fw.',
    });
    assert.equal(done?.message, 'Service Creator: the interview is complete. Ready to generate edge-fw.');
    assert.equal(done.actions[0]?.command, 'serviceCreator.generateService');

    const generated = noticeFor('serviceCreator.generate', { written: ['a.py', 'b.py'], conflicts: ['README.md'] });
    assert.equal(generated?.level, 'warning');
    assert.equal(
      generated.message,
      'Service Creator: generated the service; wrote 2 files; kept 1 you changed (ours beside them as .new).',
    );
    const cancelled = noticeFor('serviceCreator.generate', { written: ['a.py'], cancelled: true });
    assert.equal(cancelled?.message, 'Service Creator: generation cancelled; wrote 1 file.');
    assert.equal(noticeFor('serviceCreator.showSession', {}), undefined);
  });

  it('says what a requirement change did to the files', () => {
    const files = [
      { path: 'config.py', status: 'regenerated' },
      { path: 'service_manager.py', status: 'merged' },
      { path: 'README.md', status: 'conflict' },
      { path: 'schemas.py', status: 'conflict', keptAs: 'schemas.py.new' },
      { path: 'models.py', status: 'untouched' },
    ];
    const changed = noticeFor('serviceCreator.changeRequirement', { changed: ['pricing_model'], files });
    assert.equal(changed?.level, 'warning');
    assert.equal(
      changed.message,
      'Service Creator: changed pricing_model; 1 regenerated, 1 merged with your edits, 1 with conflicts marked ' +
        '(resolve each from Problems with its quick fix), 1 kept as yours (ours beside them as .new). ' +
        '`service-creator update --undo` takes it back.',
    );
    const clean = noticeFor('serviceCreator.changeRequirement', { changed: ['price'], files: files.slice(0, 2) });
    assert.equal(clean?.level, 'info');
    assert.equal(noticeFor('serviceCreator.changeRequirement', null), undefined); // dismissed
  });

  it('finds failing tests in our diagnostics', () => {
    const failures = failuresFromDiagnostics([
      {
        source: 'service-creator',
        message: 'suspicious (0.71) for t.py::test_a: run by the 1 failing test',
        code: 'suspicious-line',
        data: { testId: 't.py::test_a' },
      },
      { source: 'service-creator', message: 'assert 404 == 204', data: { testId: 't.py::test_a' } },
      { source: 'service-creator', message: 'same test, source line', data: { testId: 't.py::test_a' } },
      { source: 'service-creator', message: 'by code', code: { value: 't.py::test_b' } },
      { source: 'service-creator', message: 'not a test id', code: 'SC001' },
      { source: 'ruff', message: 'F401', code: 't.py::nope' },
    ]);
    assert.deepEqual(failures, [
      { testId: 't.py::test_a', message: 'assert 404 == 204' },
      { testId: 't.py::test_b', message: 'by code' },
    ]);
  });
});

describe('status bar', () => {
  it('decodes serviceCreator/status', () => {
    assert.deepEqual(parseStatus({ text: ' Step 3/9 ', sessionId: 's1', extra: 1 }), { text: 'Step 3/9', sessionId: 's1' });
    assert.equal(parseStatus({ text: '' }), undefined);
    assert.equal(parseStatus([]), undefined);
    assert.equal(statusText('$(beaker) 12 passed'), '$(beaker) 12 passed');
    assert.equal(statusText('Step 3/9'), '$(wand) Step 3/9');
  });

  it('shows the status and opens the session on click', () => {
    const status = new StatusItem();
    const item = created.statusBarItem!;
    assert.equal(item.command, 'serviceCreator.openSession');
    status.update({ text: 'Step 3/9: features', tooltip: 'Interview in progress', sessionId: 'abc' });
    assert.equal(item.text, '$(wand) Step 3/9: features');
    assert.equal(item.tooltip, 'Interview in progress\nSession abc\n\nClick to show the session');
    assert.equal(item.visible, true);
    status.update({ nonsense: true });
    assert.equal(item.text, '$(wand) Step 3/9: features');
    status.update({ text: 'Interview paused at step 4/9', sessionId: 'abc', resumable: true });
    assert.equal(item.command, 'serviceCreator.resumeInterview');
    assert.equal(item.tooltip, 'Service Creator\nSession abc\n\nClick to resume the interview');
    status.update({ text: 'Interview complete', sessionId: 'abc' });
    assert.equal(item.command, 'serviceCreator.openSession');
    status.failed('spawn python3 ENOENT');
    assert.equal(item.text, '$(error) Service Creator');
    assert.notEqual(item.backgroundColor, undefined);
  });
});
