// The extension in a real VS Code: code-server (tests/vscode/node_modules, see install.sh) with
// the built .vsix installed, in Debian's chromium driven by puppeteer-core. A user's whole
// workflow: palette → New Service → every question in a Quick Pick or input box (one paused
// with Escape and resumed from the status bar) → Generate (files saved) → Run Sandbox Tests →
// a planted billing bug → the suspicious line in Problems and as a squiggle → Fix Failure → green → Undo
// takes the fix back → the user redoes it and adds a line of their own → Change Requirement: pricing
// monthly → hourly, VS Code's Refactor Preview lists the merged file (left unchecked for the user
// to confirm), checked and applied: hourly billing and the user's line, saved → a second change
// applied with the merged file left unchecked is taken back (no file changed) → a third whose
// preview is discarded changes no file.
//
//   node tests/vscode/e2e.mjs [path/to/extension.vsix]
//
// Needs Docker with the sandbox image (`make sandbox-ready`) and the repository's venv. Writes a
// screenshot per step, code-server's log and the extension's output under tests/vscode/out/.
// Every wait is on a page element or a file, bounded; no fixed sleeps. Exit status 0 = passed.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
const OUT = process.env.VSCODE_E2E_OUT ?? join(HERE, 'out');
const CODE_SERVER = join(HERE, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const PYTHON = process.env.SERVICE_CREATOR_PYTHON ?? join(REPO, '.venv', 'bin', 'python');
const UI_WAIT = 60_000; // ms: the bound on a UI wait
const SANDBOX_WAIT = 600_000; // ms: the bound on a sandbox run (image warm-up included)

// What the user answers, by the question's first words (the Quick Pick title). `pick`: the
// option labels to choose; `type`: the text for an input box; `keep`: accept what is offered;
// `shows`: items the prompt must list; `shot`: a screenshot of the prompt, answered, before Enter.
const ANSWERS = [
  { asks: 'What kind of network service', pick: ['vFirewall'], shot: 'single-select' },
  { asks: 'Which vendor platforms', pick: ['Cisco'], shot: 'multi-select' },
  { asks: 'Which Cisco product', keep: true },
  { asks: 'What should the service be called?', type: 'edge-firewall', shot: 'input-box' },
  { asks: 'Which vFirewall features', pick: ['Traffic filtering', 'NAT'] },
  { asks: 'How will customers be billed?', pick: ['Monthly'] },
  { asks: 'What is the base price', type: '49' },
  { asks: 'How should the service talk', pick: ['REST'] },
  { asks: 'Link to the vendor API documentation', type: '' },
  { asks: 'How should API clients authenticate?', pick: ['API key', 'JWT'] },
  { asks: 'What logging and observability', pick: ['JSON logs'] },
  { asks: 'Where will the service be deployed?', pick: ['Both'] },
  {
    asks: 'Generate this service?',
    pick: ['Yes'],
    shows: ['Yes', 'No', "Service: vFirewall 'edge-firewall'", 'Pricing: monthly, 49 USD per instance per month'],
    shot: 'confirm',
  },
];
// The title each question must carry: the step's name only on the step's own question, the
// whole explanation after the question (a Quick Pick's title wraps; its placeholder does not).
const TITLES = {
  'What kind of network service':
    'Service type: What kind of network service do you want to offer as a service? — The service type decides which features, vendor products and APIs apply. (1/9)',
  'Which vendor platforms':
    'Vendors: Which vendor platforms should the vFirewall run on? — Each vendor gets its own device integration. Choose one, or several to let customers pick. (2/9)',
  'What should the service be called?': 'What should the service be called? (2/9)',
  'What is the base price': 'What is the base price in USD (per instance per month)? (4/9)',
  'Generate this service?': 'Confirm: Generate this service? — Say no to change an answer first. (9/9)',
};
const PAUSE_AT = 'How will customers be billed?'; // Escape here, then resume from the status bar
// The planted bug (as in tests/lsp/test_suspicious_lines.py): the billing computes a wrong value;
// no traceback reaches it, the ranking of suspicious lines does.
const BUG_FILE = 'service_manager.py';
const BROKEN_FROM = '(quantity * unit_price)';
const BROKEN_TO = '(quantity + unit_price)';

const started = Date.now();
let shot = 0;
let page;

function log(message) {
  console.log(`[vscode-e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

function fail(message) {
  throw new Error(message);
}

async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function screenshot(name) {
  shot += 1;
  const file = join(OUT, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** One step of the workflow: logged, timed, a screenshot after it. */
async function step(name, body) {
  log(`step: ${name}`);
  const result = await body();
  await screenshot(name);
  return result;
}

// --- the page ---------------------------------------------------------------------------------

const QUICK = '.quick-input-widget';

/** The quick input's state, or null while it is hidden. */
function quickInput() {
  return page.evaluate((sel) => {
    const widget = document.querySelector(sel);
    if (!widget || widget.style.display === 'none' || widget.offsetParent === null) return null;
    const input = widget.querySelector('.quick-input-box input');
    const message = widget.querySelector('.quick-input-message');
    const rows = [...widget.querySelectorAll('.quick-input-list .monaco-list-row')].map((row) => ({
      label: row.querySelector('.label-name')?.textContent?.trim() ?? '',
      detail: row.querySelector('.quick-input-list-label-meta')?.textContent?.trim() ?? '',
      separator: row.querySelector('.quick-input-list-separator')?.textContent?.trim() ?? '',
      checked: row.getAttribute('aria-checked') === 'true',
      focused: row.classList.contains('focused'),
    }));
    // does the placeholder fit in the input box? (a placeholder is never wrapped)
    let placeholderFits = true;
    if (input?.placeholder) {
      const ctx = document.createElement('canvas').getContext('2d');
      const style = getComputedStyle(input);
      ctx.font = `${style.fontSize} ${style.fontFamily}`;
      const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      placeholderFits = ctx.measureText(input.placeholder).width <= room;
    }
    const visible = (el) => !!el && el.offsetParent !== null && getComputedStyle(el).display !== 'none';
    const title = widget.querySelector('.quick-input-title');
    return {
      title: title?.textContent?.trim() ?? '',
      titleClipped: title ? title.scrollWidth > title.clientWidth + 1 || title.scrollHeight > title.clientHeight + 1 : false,
      value: input?.value ?? '',
      placeholder: input?.placeholder ?? '',
      placeholderFits,
      message: visible(message) ? (message.textContent?.trim() ?? '') : '',
      messageClipped: visible(message) ? message.scrollWidth > message.clientWidth + 1 : false,
      list: visible(widget.querySelector('.quick-input-list')),
      multi: widget.classList.contains('show-checkboxes'),
      rows,
    };
  }, QUICK);
}

async function waitFor(what, predicate, timeout = UI_WAIT) {
  const until = Date.now() + timeout;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > until) fail(`timed out waiting for ${what}`);
    // the next animation frame, not a fixed sleep: re-check as soon as the page has moved on
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
  }
}

async function waitForQuickInput(what, test = () => true, timeout = UI_WAIT) {
  return waitFor(what, async () => {
    const q = await quickInput();
    return q && test(q) ? q : null;
  }, timeout);
}

async function typeInQuickInput(text) {
  const input = `${QUICK} .quick-input-box input`;
  await page.focus(input);
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
  if (text) await page.keyboard.type(text);
}

/** Run a command from the palette by its full title, as a user would. An extension's commands
 * are listed once its host has read it: until then, close the palette and look again. */
async function palette(title) {
  const until = Date.now() + UI_WAIT;
  for (;;) {
    await page.keyboard.press('F1');
    await waitForQuickInput('the command palette', (q) => q.value.startsWith('>'));
    await typeInQuickInput(`>${title}`);
    const found = await waitForQuickInput(`"${title}" in the palette`, (q) => q.rows[0]?.label === title, 5_000).catch(() => null);
    if (found) break;
    if (Date.now() > until) fail(`"${title}" is not in the command palette`);
    await page.keyboard.press('Escape');
    await waitFor('the palette to close', async () => !(await quickInput()));
  }
  await page.keyboard.press('Enter');
}

/** The text of each notification toast on screen. */
function notifications() {
  return page.evaluate(() =>
    [...document.querySelectorAll('.notification-toast .notification-list-item-message')].map((n) => n.textContent ?? ''),
  );
}

async function waitForNotification(what, pattern, timeout = UI_WAIT) {
  return waitFor(what, async () => (await notifications()).find((n) => pattern.test(n)), timeout);
}

async function clearNotifications() {
  await page.evaluate(() => {
    document.querySelectorAll('.notification-toast .codicon-notifications-clear, .notification-toast .codicon-close').forEach((b) => b.click());
  });
  await waitFor('the notifications to go', async () => (await notifications()).length === 0);
}

function statusItem() {
  return page.evaluate(() => {
    const item = [...document.querySelectorAll('.statusbar-item')].find((i) => i.id.endsWith('serviceCreator.status'));
    return item ? { text: item.textContent?.trim() ?? '', id: item.id } : null;
  });
}

function problems() {
  return page.evaluate(() =>
    [...document.querySelectorAll('.markers-panel .monaco-list-row')].map((row) => row.textContent?.trim() ?? ''),
  );
}

// --- the interview ----------------------------------------------------------------------------

function answerFor(title) {
  return ANSWERS.find((a) => title.startsWith(a.asks) || title.includes(`: ${a.asks}`));
}

async function answer(q, seen) {
  const headline = q.title.replace(/ \(\d+\/\d+\)$/, '');
  const wanted = answerFor(headline) ?? fail(`an unexpected question: ${q.title}`);
  const expectedTitle = TITLES[wanted.asks];
  if (expectedTitle && q.title !== expectedTitle) fail(`title "${q.title}", expected "${expectedTitle}"`);
  if (!/\(\d+\/9\)$/.test(q.title)) fail(`no step in the title "${q.title}"`);
  // the explanation: in a Quick Pick's (wrapping) title, or an input box's prompt; nothing cut off
  const explanation = q.list ? q.title.split(' — ')[1] : q.message;
  if (!explanation) fail(`no explanation shown for "${q.title}"`);
  if (q.titleClipped) fail(`the title is cut off: "${q.title}"`);
  if (q.list && !q.placeholderFits) fail(`the placeholder is cut off: "${q.placeholder}"`);
  if (!q.list && q.messageClipped) fail(`the explanation is cut off: "${q.message}"`);
  seen.push({ title: q.title, explanation, kind: q.list ? 'pick' : 'input', rows: q.rows.map((r) => r.label) });
  if (wanted.shows) {
    const missing = wanted.shows.filter((line) => !q.rows.some((r) => r.label === line));
    if (missing.length) fail(`"${q.title}" does not show ${missing.join(', ')}; it shows ${q.rows.map((r) => r.label)}`);
  }

  if (wanted.type !== undefined) {
    await typeInQuickInput(wanted.type);
    await waitForQuickInput('the typed answer', (s) => s.value === wanted.type);
  } else if (wanted.pick) {
    if (q.multi) {
      for (const label of wanted.pick) {
        const clicked = await page.evaluate((sel, l) => {
          const row = [...document.querySelectorAll(`${sel} .quick-input-list .monaco-list-row`)].find(
            (r) => r.querySelector('.label-name')?.textContent?.trim() === l,
          );
          const box = row?.querySelector('.monaco-checkbox, .quick-input-list-checkbox, input[type=checkbox]');
          box?.click();
          return !!box;
        }, QUICK, label);
        if (!clicked) fail(`no option "${label}" in "${q.title}"`);
      }
      await waitForQuickInput(`${wanted.pick.join(', ')} checked`, (s) =>
        wanted.pick.every((l) => s.rows.some((r) => r.label === l && r.checked)),
      );
    } else if (q.rows.find((r) => r.focused)?.label !== wanted.pick[0]) {
      await typeInQuickInput(wanted.pick[0]);
      await waitForQuickInput(`"${wanted.pick[0]}" first`, (s) => s.rows.find((r) => !r.separator)?.label === wanted.pick[0]);
    }
  }
  if (wanted.shot) await screenshot(wanted.shot); // the question, answered, before Enter
  await page.keyboard.press('Enter');
  await waitFor('the next question', async () => {
    const next = await quickInput();
    return !next || next.title !== q.title;
  });
}

async function interview(seen, { pauseAt } = {}) {
  for (;;) {
    const q = await waitFor('a question or the end of the interview', async () => {
      const shown = await quickInput();
      if (shown && /\(\d+\/9\)$/.test(shown.title)) return shown;
      const done = (await notifications()).find((n) => /interview (is complete|paused)/.test(n));
      return done ? { done } : null;
    });
    if (q.done) return q.done;
    if (pauseAt && q.title.includes(pauseAt)) {
      await screenshot('question-before-escape');
      await page.keyboard.press('Escape');
      pauseAt = undefined;
      continue;
    }
    await answer(q, seen);
  }
}

// --- a requirement change -------------------------------------------------------------------------

// The user's own line in BUG_FILE, far from the billing that the pricing model changes.
const USER_NOTE = '# note from the user: every price in this service is in USD';
const HOURLY_BILLING = 'A fee per hour of uptime started';
const MONTHLY_BILLING = 'Monthly fee, {months} month(s)';

async function keys(...chord) {
  const modifiers = chord.slice(0, -1);
  for (const m of modifiers) await page.keyboard.down(m);
  await page.keyboard.press(chord.at(-1));
  for (const m of modifiers.reverse()) await page.keyboard.up(m);
}

/** The Refactor Preview pane's state, or null while it shows no edit. */
function refactorPreview() {
  return page.evaluate(() => {
    const pane = document.querySelector('.bulk-edit-panel');
    if (!pane || pane.offsetParent === null || pane.dataset.state !== 'data') return null;
    const rows = [...pane.querySelectorAll('.monaco-list-row')].map((row) => ({
      name: row.querySelector('.label-name')?.textContent?.trim() ?? '',
      text: row.textContent?.trim() ?? '',
      checked: row.querySelector('input.edit-checkbox')?.checked ?? null,
    }));
    const buttons = [...pane.querySelectorAll('.buttons .monaco-button')].map((b) => b.textContent?.trim() ?? '');
    return { rows, buttons };
  });
}

async function clickPreviewButton(label) {
  const clicked = await page.evaluate((l) => {
    const button = [...document.querySelectorAll('.bulk-edit-panel .buttons .monaco-button')].find((b) => b.textContent?.trim() === l);
    button?.click();
    return !!button;
  }, label);
  if (!clicked) fail(`no "${label}" button in the Refactor Preview`);
}

/** Change Requirement from the palette: the pricing question, then `to`; the preview it opens. */
async function askPricingChange(to) {
  await clearNotifications();
  await palette('Service Creator: Change Requirement');
  const pick = await waitForQuickInput('which answer to change', (q) => q.title.startsWith('Which answer would you like to change?'));
  const pricing = pick.rows.find((r) => r.label.startsWith('How will customers be billed?'));
  if (!pricing) fail(`the pricing question is not offered: ${pick.rows.map((r) => r.label)}`);
  await typeInQuickInput('billed');
  await waitForQuickInput('the pricing question first', (q) => q.rows.find((r) => r.focused)?.label === pricing.label);
  await screenshot('change-which-answer');
  await page.keyboard.press('Enter');
  const question = await waitForQuickInput('the pricing question', (q) => q.title.includes('How will customers be billed?'));
  if (!question.rows.some((r) => r.label === to)) fail(`"${to}" is not offered: ${question.rows.map((r) => r.label)}`);
  await typeInQuickInput(to);
  await waitForQuickInput(`"${to}" first`, (q) => q.rows.find((r) => r.focused)?.label === to);
  await page.keyboard.press('Enter');
  const preview = await waitFor('the Refactor Preview', async () => {
    // its list renders the rows in view only: the files' edits collapsed, every file fits
    await page.evaluate(() => {
      const open = document.querySelector('.bulk-edit-panel .monaco-list-row[aria-level="1"][aria-expanded="true"] .monaco-tl-twistie');
      open?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    });
    const shown = await refactorPreview();
    return shown?.rows.some((r) => r.name === BUG_FILE) ? shown : null;
  }, SANDBOX_WAIT);
  log(`Refactor Preview: ${preview.rows.filter((r) => r.name).map((r) => `${r.name}${r.checked === false ? ' (unchecked)' : ''}`).join(', ')}; buttons ${preview.buttons.join(', ')}`);
  if (!preview.buttons.includes('Apply') || !preview.buttons.includes('Discard')) fail(`preview buttons: ${preview.buttons}`);
  return preview;
}

/** Every file of the project (our state included), by path. */
function snapshot(root) {
  const files = execFileSync('find', [root, '-type', 'f']).toString().trim().split('\n').filter(Boolean).sort();
  return new Map(files.map((f) => [f.slice(root.length + 1), readFileSync(f)]));
}

function differences(before, after) {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((p) => !before.get(p) || !after.get(p) || !before.get(p).equals(after.get(p)));
}

async function changeRequirement(workspace, original) {
  const manager = join(workspace, BUG_FILE);
  const edited = `${original}${USER_NOTE}\n`;
  await step('user-edit', async () => {
    // the user takes the undo back (the fixed billing again), adds a line of their own, saves
    await keys('Control', 'Shift', 'KeyZ');
    await keys('Control', 'KeyS');
    await waitFor(`${BUG_FILE} fixed again on disk`, async () => readFileSync(manager, 'utf8') === original);
    await keys('Control', 'End');
    await page.keyboard.type(USER_NOTE);
    await page.keyboard.press('Enter');
    await keys('Control', 'KeyS');
    await waitFor(`the user's line saved in ${BUG_FILE}`, async () => readFileSync(manager, 'utf8') === edited);
  });
  await step('change-requirement-preview', async () => {
    const preview = await askPricingChange('Hourly');
    const merged = preview.rows.find((r) => r.name === BUG_FILE);
    // VS Code leaves an edit that needs confirmation unchecked: the user opts in to the merge
    if (merged.checked !== false) fail(`${BUG_FILE} is not left to the user to confirm: ${JSON.stringify(merged)}`);
    if (!preview.rows.some((r) => r.name === 'config.py' && r.checked)) fail('config.py is not in the preview, checked');
  });
  await step('change-requirement-applied', async () => {
    await page.evaluate((name) => {
      const row = [...document.querySelectorAll('.bulk-edit-panel .monaco-list-row')].find(
        (r) => r.querySelector('.label-name')?.textContent?.trim() === name,
      );
      row?.querySelector('input.edit-checkbox')?.click();
    }, BUG_FILE);
    await waitFor(`${BUG_FILE} checked in the preview`, async () =>
      (await refactorPreview())?.rows.find((r) => r.name === BUG_FILE)?.checked === true,
    );
    await clickPreviewButton('Apply');
    const done = await waitForNotification('the change', /Service Creator: changed|did not apply|Service Creator: .*(error|failed)/i, SANDBOX_WAIT);
    log(done);
    if (!/^Service Creator: changed pricing_model; \d+ regenerated, 1 merged with your edits/.test(done)) fail(`the change: ${done}`);
    const text = readFileSync(manager, 'utf8');
    if (!text.includes(HOURLY_BILLING) || text.includes(MONTHLY_BILLING)) fail(`${BUG_FILE} does not bill hourly`);
    if (!text.includes(`\n${USER_NOTE}\n`)) fail(`the user's line is lost from ${BUG_FILE}`);
    if (!readFileSync(join(workspace, 'config.py'), 'utf8').includes('PRICING_MODEL = "hourly"')) fail('config.py is not hourly');
    const dirty = await page.evaluate(() => document.querySelectorAll('.tab.dirty').length);
    if (dirty) fail(`${dirty} unsaved editors after the change`);
  });
  await step('change-requirement-partly-applied', async () => {
    // Apply with the merged file left unchecked, as the preview offers it: VS Code applies the
    // rest and reports success; the extension takes that back and tells the server it did not apply
    const before = snapshot(workspace);
    await askPricingChange('Monthly');
    await clickPreviewButton('Apply');
    const done = await waitForNotification('the partly applied change', /did not apply|Service Creator: changed/i, SANDBOX_WAIT);
    log(done);
    if (!new RegExp(`did not apply.*left out ${BUG_FILE}`).test(done)) fail(`a partly applied preview: ${done}`);
    const changed = differences(before, snapshot(workspace));
    if (changed.length) fail(`a partly applied preview changed ${changed.join(', ')}`);
    const dirty = await page.evaluate(() => document.querySelectorAll('.tab.dirty').length);
    if (dirty) fail(`${dirty} unsaved editors after the partly applied change`);
  });
  await step('change-requirement-discarded', async () => {
    const before = snapshot(workspace);
    await askPricingChange('Monthly');
    await clickPreviewButton('Discard');
    const done = await waitForNotification('the discarded change', /did not apply|Service Creator: changed/i, UI_WAIT);
    log(done);
    if (/Service Creator: changed/.test(done)) fail(`a discarded preview changed the requirement: ${done}`);
    const changed = differences(before, snapshot(workspace));
    if (changed.length) fail(`a discarded preview changed ${changed.join(', ')}`);
    const dirty = await page.evaluate(() => document.querySelectorAll('.tab.dirty').length);
    if (dirty) fail(`${dirty} unsaved editors after the discarded change`);
  });
}

// --- main ---------------------------------------------------------------------------------------

async function main() {
  const vsix = process.argv[2] ?? readdirSync(join(REPO, 'vscode-extension')).filter((f) => f.endsWith('.vsix')).map((f) => join(REPO, 'vscode-extension', f))[0];
  if (!vsix || !existsSync(vsix)) fail('no .vsix: run `make extension` (cd vscode-extension && npm run package)');
  if (!existsSync(CODE_SERVER)) fail(`no code-server at ${CODE_SERVER}: run tests/vscode/install.sh`);
  if (!existsSync(CHROMIUM)) fail(`no chromium at ${CHROMIUM}: apt-get install chromium`);
  if (!existsSync(PYTHON)) fail(`no Python at ${PYTHON} (the repository's venv: make venv)`);

  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const home = mkdtempSync(join(tmpdir(), 'sc-vscode-e2e-'));
  const userData = join(home, 'user-data');
  const extensions = join(home, 'extensions');
  const workspace = join(home, 'workspace');
  for (const dir of [join(userData, 'User'), extensions, workspace]) mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'serviceCreator.python': PYTHON,
      'serviceCreator.model': 'offline',
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'security.workspace.trust.enabled': false,
      'extensions.autoCheckUpdates': false,
      'extensions.ignoreRecommendations': true,
      'telemetry.telemetryLevel': 'off',
      'files.autoSave': 'off',
      'editor.acceptSuggestionOnEnter': 'off', // Enter in the user's typing is a new line
      'window.restoreWindows': 'none',
    }),
  );
  const config = join(home, 'config.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');
  const common = ['--config', config, '--user-data-dir', userData, '--extensions-dir', extensions];
  log(`installing ${vsix}`);
  execFileSync(process.execPath, [CODE_SERVER, ...common, '--install-extension', vsix], { stdio: 'inherit' });

  const port = await freePort();
  const serverLog = createWriteStream(join(OUT, 'code-server.log'));
  const server = spawn(
    process.execPath,
    [CODE_SERVER, ...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry',
      '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', workspace],
    { env: { ...process.env, SERVICE_CREATOR_MODEL: 'offline' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout.pipe(serverLog);
  server.stderr.pipe(serverLog);
  const listening = new Promise((ok, ko) => {
    const timer = setTimeout(() => ko(new Error('code-server did not start')), UI_WAIT);
    server.stdout.on('data', (chunk) => {
      if (String(chunk).includes('HTTP server listening')) {
        clearTimeout(timer);
        ok();
      }
    });
    server.once('exit', (code) => ko(new Error(`code-server exited with ${code}; see ${join(OUT, 'code-server.log')}`)));
  });

  let browser;
  let passed = false;
  try {
    await listening;
    log(`code-server on port ${port}, workspace ${workspace}`);
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--window-size=1400,900'],
      defaultViewport: { width: 1400, height: 900 },
    });
    page = await browser.newPage();
    await step('workbench', async () => {
      await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`, { waitUntil: 'domcontentloaded' });
      await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: UI_WAIT });
      await page.waitForSelector('.explorer-folders-view', { timeout: UI_WAIT }); // the folder is open
    });

    const seen = [];
    await step('new-service-paused', async () => {
      await palette('Service Creator: New Service');
      const paused = await interview(seen, { pauseAt: PAUSE_AT });
      if (!/interview paused at step 4\/9/.test(paused)) fail(`expected a pause at step 4/9, got: ${paused}`);
      await waitFor('the paused status', async () => /Interview paused at step 4\/9|step 4\/9 · paused/.test((await statusItem())?.text ?? ''));
    });
    await step('resumed-from-status-bar', async () => {
      await clearNotifications();
      const item = await statusItem();
      await page.click(`[id="${item.id}"] a, [id="${item.id}"]`);
      const q = await waitForQuickInput('the paused question again', (s) => s.title.includes(PAUSE_AT));
      if (!q.title.endsWith('(4/9)')) fail(`resumed at "${q.title}"`);
    });
    await step('interview-complete', async () => {
      const done = await interview(seen);
      if (!/interview is complete/.test(done)) fail(`the interview did not complete: ${done}`);
      const kinds = new Set(seen.map((s) => s.kind));
      if (!kinds.has('pick') || !kinds.has('input')) fail(`expected Quick Picks and input boxes, saw ${[...kinds]}`);
      const asked = ANSWERS.filter((a) => !a.keep).map((a) => a.asks);
      for (const question of asked) {
        if (!seen.some((s) => s.title.includes(question))) fail(`never asked in a prompt: ${question}`);
      }
      writeFileSync(join(OUT, 'questions.json'), JSON.stringify(seen, null, 2));
    });

    await step('generated', async () => {
      await clearNotifications();
      await palette('Service Creator: Generate');
      const done = await waitForNotification('the generation', /generated the service; wrote \d+ files|generation cancelled/, SANDBOX_WAIT);
      if (!/generated the service/.test(done)) fail(done);
      const manifest = JSON.parse(readFileSync(join(workspace, '.service-creator', 'manifest.json'), 'utf8'));
      const files = Object.keys(manifest.files ?? manifest);
      if (files.length < 10) fail(`only ${files.length} files in the manifest`);
      // saved: every generated file is on disk with its content (VS Code creates them empty and
      // keeps the text in a dirty buffer unless the extension saves them)
      const empty = files.filter((f) => !existsSync(join(workspace, f)) || readFileSync(join(workspace, f)).length === 0);
      if (empty.length) fail(`generated files not saved: ${empty.join(', ')}`);
      const dirty = await page.evaluate(() => document.querySelectorAll('.tab.dirty, .open-editors .dirty').length);
      if (dirty) fail(`${dirty} unsaved editors after Generate`);
      log(`generated ${files.length} files, all saved`);
    });

    await step('tests-green', async () => {
      await clearNotifications();
      await palette('Service Creator: Run Sandbox Tests');
      const done = await waitForNotification('the sandbox run', /Service Creator: .*\d+ passed/, SANDBOX_WAIT);
      if (!/^Service Creator: \d+ passed, 0 failed/.test(done)) fail(`not green: ${done}`);
    });

    const buggy = join(workspace, BUG_FILE);
    const original = readFileSync(buggy, 'utf8');
    const broken = original.replace(BROKEN_FROM, BROKEN_TO);
    if (broken === original) fail(`${BUG_FILE} has no "${BROKEN_FROM}" to break`);
    const line = broken.split('\n').findIndex((l) => l.includes(BROKEN_TO)) + 1; // 1-based, as Problems shows it
    const atBugLine = (r) => r.includes(`[Ln ${line}, Col`) && /suspicious/i.test(r);
    await step('bug-planted', async () => {
      writeFileSync(buggy, broken); // the user breaks the billing on disk
      await clearNotifications();
      await palette('Service Creator: Run Sandbox Tests');
      const done = await waitForNotification('the failing run', /Service Creator: failed: .*\d+ failed/, SANDBOX_WAIT);
      log(done);
    });
    await step('problems', async () => {
      await page.keyboard.down('Control');
      await page.keyboard.down('Shift');
      await page.keyboard.press('KeyM'); // View: Problems
      await page.keyboard.up('Shift');
      await page.keyboard.up('Control');
      await page.waitForSelector('.markers-panel', { visible: true, timeout: UI_WAIT });
      const rows = await waitFor('the suspicious line in Problems', async () => {
        const all = await problems();
        return all.some(atBugLine) ? all : null;
      });
      log(`Problems: ${rows.join(' | ')}`);
      // opening it from Problems shows the squiggle on the line in the editor
      for (const row of await page.$$('.markers-panel .monaco-list-row')) {
        if (atBugLine(await row.evaluate((r) => r.textContent ?? ''))) {
          await row.click();
          break;
        }
      }
      await waitFor(`a warning squiggle in ${BUG_FILE}`, () =>
        page.evaluate(
          (name) =>
            document.querySelector('.tab.active .label-name')?.textContent?.trim() === name &&
            document.querySelectorAll('.editor-instance .squiggly-warning').length > 0,
          BUG_FILE,
        ),
      );
    });
    await step('fixed', async () => {
      await clearNotifications();
      await palette('Service Creator: Fix Failure');
      const pick = await waitForQuickInput('the failing test to fix', (q) => q.title.startsWith('Service Creator: Fix Failure'));
      if (!pick.rows.some((r) => r.label.includes('test_'))) fail(`failures offered: ${pick.rows.map((r) => r.label)}`);
      await page.keyboard.press('Enter');
      const done = await waitForNotification('the fix and its test run', /Service Creator: .*\d+ passed/, SANDBOX_WAIT);
      if (!/^Service Creator: \d+ passed, 0 failed/.test(done)) fail(`not green after the fix: ${done}`);
      if (readFileSync(buggy, 'utf8') !== original) fail(`${BUG_FILE} was not restored and saved by the fix`);
      await waitFor('Problems to clear', async () => !(await problems()).some(atBugLine));
    });
    await step('undo', async () => {
      // the fix came as a workspace edit and was saved: Undo in its editor takes it back
      await page.keyboard.down('Control');
      await page.keyboard.press('KeyP'); // Go to File
      await page.keyboard.up('Control');
      await waitForQuickInput('Go to File', (q) => !q.value.startsWith('>'));
      await typeInQuickInput(BUG_FILE);
      await waitForQuickInput(`${BUG_FILE} in Go to File`, (q) => q.rows[0]?.label === BUG_FILE);
      await page.keyboard.press('Enter');
      await waitFor(`${BUG_FILE} in the editor`, () =>
        page.evaluate((name) => {
          const editor = document.querySelector('.editor-instance .monaco-editor.focused');
          const tab = document.querySelector('.tab.active .label-name');
          return !!editor && tab?.textContent?.trim() === name;
        }, BUG_FILE),
      );
      await page.keyboard.down('Control');
      await page.keyboard.press('KeyZ');
      await page.keyboard.press('KeyS');
      await page.keyboard.up('Control');
      await waitFor(`${BUG_FILE} saved as it was before the fix`, async () => readFileSync(buggy, 'utf8') === broken);
    });
    await changeRequirement(workspace, original);
    log(`passed in ${((Date.now() - started) / 1000).toFixed(0)}s; screenshots in ${OUT}`);
    passed = true;
  } catch (err) {
    if (page) {
      await screenshot('failure').catch(() => undefined);
      const html = await page.evaluate(() => document.querySelector('.quick-input-widget')?.outerHTML ?? '').catch(() => '');
      writeFileSync(join(OUT, 'failure-quick-input.html'), html);
    }
    throw err;
  } finally {
    await browser?.close().catch(() => undefined);
    server.kill('SIGTERM');
    // keep the extension's own log beside the screenshots
    try {
      const logs = execFileSync('find', [join(userData, 'logs'), '-name', '*Service Creator*.log']).toString().trim().split('\n').filter(Boolean);
      for (const file of logs) writeFileSync(join(OUT, 'extension-output.log'), readFileSync(file));
    } catch {
      /* no output channel log */
    }
    if (passed) rmSync(home, { recursive: true, force: true });
    else log(`kept ${home} (the workspace, code-server's user data and logs)`);
  }
}

main().catch((err) => {
  console.error(`[vscode-e2e] FAILED: ${err.message}`);
  process.exit(1);
});
