// The browser tests of `ochopod ui` (label ui), in Debian's headless
// Chromium driven by playwright-core. Started by tests/ui/run_ui_tests.py,
// which runs ZooKeeper, the pods (demo.db, and demo.web of 3 pods whose
// children print "tick <n>" / "tock <n>" every 0.3 s), an operator UI and a
// read-only one, and passes their facts in the environment:
//
//   UI_URL, UI_BASE        the operator UI's one-time login URL and origin
//   UI_RO_URL, UI_RO_BASE  the --read-only UI's
//   UI_CONTROL             the runner's control port (POST /zk/stop, /zk/start)
//   OCHOPOD_BIN, OCHOPOD_ZK, UI_CLUSTER, UI_DB_CLUSTER, UI_WEB_SEQS, UI_DB_SEQS
//   UI_OUT                 where screenshots, axe reports and results.json go
//   CHROMIUM               the browser (default /usr/bin/chromium)
//   UI_REFRESH             the UI's --refresh factor; UI_SLACK_S the slack (s)
//   UI_ONLY                a regex: run only the tests whose name matches
//
// Element ids, URLs and stream events are docs/ui.md's. Every wait is for a
// condition, with a deadline derived from the UI's settings plus slack, and
// fails saying what did not happen; no step sleeps to synchronize.

import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

const env = process.env;
function need(name) {
  if (!env[name]) throw new Error(`${name} is not set: run this through tests/ui/run_ui_tests.py`);
  return env[name];
}

const UI_URL = need('UI_URL');
const UI_BASE = need('UI_BASE');
const UI_RO_URL = need('UI_RO_URL');
const UI_RO_BASE = need('UI_RO_BASE');
const CONTROL = need('UI_CONTROL');
const OCHOPOD = need('OCHOPOD_BIN');
const ZK = need('OCHOPOD_ZK');
const CLUSTER = need('UI_CLUSTER');       // demo.web
const DB_CLUSTER = need('UI_DB_CLUSTER'); // demo.db
const SEQS = need('UI_WEB_SEQS').split(',').map(Number);
const OUT = need('UI_OUT');
const CHROMIUM = env.CHROMIUM || '/usr/bin/chromium';
const ONLY = env.UI_ONLY ? new RegExp(env.UI_ONLY) : null;

// The UI's settings (UI.md 4.3) and what the deadlines derive from, in seconds.
const REFRESH = Number(env.UI_REFRESH || 1);
const SLACK = Number(env.UI_SLACK_S || 1);
const S = {
  viewedTier: 2 * REFRESH,      // pods of a viewed cluster are refreshed this often
  coalesce: 0.25,               // at most one fragment per element per 250 ms
  logPoll: 1,                   // open log panes are polled every second
  childPeriod: Number(env.UI_CHILD_PERIOD || 0.3),
  cliTimeout: 5,                // -t's default: a control call waits 1.25 times it
};
const DEADLINE = {
  firstView: 15,                                         // the cache's first /info round after start
  live: S.viewedTier + S.coalesce + SLACK,               // a change on screen, without reload ("2 s")
  log: S.logPoll + 2 * S.childPeriod + S.coalesce + SLACK, // a new log line in the pane
  action: 1.25 * S.cliTimeout + S.viewedTier + SLACK,    // an action done and seen by the CLI
  ui: 2 + SLACK,                                         // a dialog opens/closes, a button's state follows typing
  page: 15,                                              // a navigation
  zkLost: 10,                                            // the UI's client sees its server's socket closed
  zkBack: 30,                                            // the server restarted, serving, and the client reconnected
};
const STALE_SINCE = /stale since|lost since[^]*\bstale\b/i;
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
// Chromium here: as root, on a closed network (.library/env/machines/cpp.md).
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// Action controls as their visible names start (docs/ui.md names none: see the report).
const ACTION_NAME = /^\W*(on|off|restart|kill|signal|re-?register|reset|run tool|restart all)\b/i;

// ------------------------------------------------------------ helpers

const sel = (id) => `[id="${id.replace(/"/g, '\\"')}"]`;
const podRowId = (seq) => `pod-${CLUSTER}-${seq}`;
const logPaneId = (seq) => `log-${CLUSTER}-${seq}`;
const secs = (ms) => (ms / 1000).toFixed(2);

class Failure extends Error {}

// fn() until it returns something truthy; after timeout s, a Failure naming
// `what` (and detail(), the state last seen, when given).
async function waitFor(what, fn, timeout, detail) {
  const start = Date.now();
  const end = start + timeout * 1000;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= end) break;
    await new Promise((r) => setTimeout(r, 50)); // the polling period of a condition wait
  }
  let seen = '';
  if (detail) {
    try { seen = `; last seen: ${await detail()}`; } catch (e) { seen = `; (could not read the state: ${e.message})`; }
  } else if (last) {
    seen = `; last error: ${last.message.split('\n')[0]}`;
  }
  throw new Failure(`${what}: did not happen within ${timeout.toFixed(2)} s${seen}`);
}

function check(cond, message) {
  if (!cond) throw new Failure(message);
}

// `ochopod <args> --zk <zk>`: {code, stdout, stderr, json}.
function cli(...args) {
  return new Promise((resolve) => {
    execFile(OCHOPOD, [...args, '--zk', ZK], { timeout: 60_000 }, (err, stdout, stderr) => {
      let json = null;
      try { json = JSON.parse(stdout); } catch { /* a table, or nothing */ }
      resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr, json });
    });
  });
}

// The pod's `process` as `ochopod info -j` reports it, or `(no answer: ...)`.
async function processOf(seq, cluster = CLUSTER) {
  const r = await cli('info', '-j', '-i', String(seq), cluster);
  const v = r.json && r.json[`${cluster} #${seq}`];
  if (!v) return `(not listed: ${(r.stderr || r.stdout).trim()})`;
  return v.info?.process ?? `(no info: ${v.error ?? JSON.stringify(v)})`;
}

async function ensureRunning(seq) {
  if ((await processOf(seq)) === 'running') return;
  const r = await cli('on', '-i', String(seq), CLUSTER);
  check(r.code === 0, `ochopod on -i ${seq} ${CLUSTER} failed (${r.code}): ${r.stdout}${r.stderr}`);
  await waitFor(`${CLUSTER} #${seq}'s child running again (ochopod info)`,
    async () => (await processOf(seq)) === 'running', DEADLINE.action, () => processOf(seq));
}

async function control(what) {
  const res = await fetch(`${CONTROL}${what}`, { method: 'POST' });
  const body = await res.text();
  check(res.ok, `the runner's control ${what} answered ${res.status}: ${body}`);
  return body;
}

async function healthz(page, base = UI_BASE) {
  const r = await page.request.get(`${base}/healthz`);
  return r.json();
}

// Opens path in a new page of ctx and waits for the page's one event stream
// (app.js's EventSource on /api/v1/stream) to be answered; marks the window
// so that a reload shows (noReload).
async function openLive(ctx, urlPath, base = UI_BASE) {
  const page = await ctx.newPage();
  const stream = page.waitForResponse((r) => r.url().includes('/api/v1/stream'),
    { timeout: DEADLINE.page * 1000 }).catch(() => null);
  await goto(page, `${base}${urlPath}`);
  const res = await stream;
  check(res, `${urlPath}: the page opened no /api/v1/stream (app.js's EventSource) within ${DEADLINE.page} s`);
  check(res.status() === 200, `${urlPath}: /api/v1/stream answered ${res.status()}`);
  const type = res.headers()['content-type'] || '';
  check(type.startsWith('text/event-stream'), `${urlPath}: /api/v1/stream's Content-Type is "${type}"`);
  await page.evaluate(() => { window.__ochopodNoReload = 'marked'; });
  return page;
}

async function noReload(page, what) {
  const mark = await page.evaluate(() => window.__ochopodNoReload);
  check(mark === 'marked', `${what}: the page was reloaded (its window lost the test's mark)`);
}

async function goto(page, url) {
  const res = await page.goto(url, { timeout: DEADLINE.page * 1000 });
  check(res, `GET ${url}: no response`);
  check(res.status() < 400, `GET ${url} answered ${res.status()}`);
  return res;
}

async function text(page, css) {
  const loc = page.locator(css);
  if ((await loc.count()) === 0) return '(absent)';
  return loc.first().innerText({ timeout: 1000 });
}

async function exists(page, css, what) {
  await waitFor(`${what} (${css}) on ${page.url()}`, async () => (await page.locator(css).count()) > 0,
    DEADLINE.page);
}

// An action's trigger: a button, or a link styled as one (no JS: a link to /confirm).
function actionControl(scope, name) {
  return scope.getByRole('button', { name }).or(scope.getByRole('link', { name })).first();
}

async function focusDescription(page) {
  return page.evaluate(() => {
    const a = document.activeElement;
    if (!a) return 'nothing';
    const name = (a.getAttribute('aria-label') || a.textContent || a.value || '').trim();
    return `<${a.tagName.toLowerCase()}${a.id ? ` id=${a.id}` : ''}${a.type ? ` type=${a.type}` : ''}> "${name}"`;
  });
}

// The dialog's buttons but Cancel/Close: the confirmation, exactly one.
async function confirmButton(dialog, what) {
  const buttons = dialog.getByRole('button');
  const n = await buttons.count();
  const names = [];
  let found = null;
  for (let i = 0; i < n; i++) {
    const b = buttons.nth(i);
    const name = ((await b.getAttribute('aria-label')) || (await b.innerText())).trim();
    names.push(name);
    if (!/cancel|close/i.test(name)) {
      check(!found, `${what}: more than one button but Cancel: ${JSON.stringify(names)}`);
      found = b;
    }
  }
  check(found, `${what}: no confirmation button (buttons: ${JSON.stringify(names)})`);
  return found;
}

// A confirmation refused: disabled, aria-disabled, or its typed field invalid (pattern).
async function refused(button, field) {
  if (await button.isDisabled()) return true;
  if ((await button.getAttribute('aria-disabled')) === 'true') return true;
  return field.evaluate((el) => !el.checkValidity());
}

// Lines of a log pane as rendered: its visible line elements (the server
// renders each as <span class="line">), else its innerText's lines (hidden,
// filtered-out lines are in neither).
async function visibleLines(page, id) {
  const loc = page.locator(sel(id));
  if ((await loc.count()) === 0) return [];
  return loc.evaluate((pane) => {
    const lines = pane.querySelectorAll('.line');
    if (lines.length === 0) return pane.innerText.split('\n').map((l) => l.trim()).filter(Boolean);
    return [...lines].filter((l) => l.checkVisibility()).map((l) => l.textContent.trim()).filter(Boolean);
  });
}

const COUNTER = /\b(tick|tock) (\d+)\b/;
function counters(lines, word) {
  return lines.map((l) => l.match(COUNTER)).filter((m) => m && (!word || m[1] === word)).map((m) => Number(m[2]));
}
const maxOf = (xs) => (xs.length ? Math.max(...xs) : -1);

// ------------------------------------------------------------ the run

await mkdir(OUT, { recursive: true });
let browser;
try {
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
} catch (e) {
  console.error(`ui.test: Chromium (${CHROMIUM}) did not start under playwright-core: ${e.message}`);
  process.exit(1);
}
console.log(`ui.test: Chromium ${browser.version()}, ${UI_BASE} (read-only ${UI_RO_BASE}), ZooKeeper ${ZK}`);

let session = null; // the operator's storage state (its session cookie), set by "login"
const tests = [];
const test = (name, fn) => tests.push({ name, fn });

// Per test: contexts it opens (closed after it), uncaught page errors (a failure).
class T {
  constructor(name) { this.name = name; this.contexts = []; this.errors = []; }
  async context({ anonymous = false, ...options } = {}) {
    const ctx = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      colorScheme: 'light',
      reducedMotion: 'reduce',
      storageState: anonymous ? undefined : session ?? undefined,
      ...options,
    });
    ctx.on('page', (p) => {
      p.on('pageerror', (e) => this.errors.push(`${p.url()}: ${e.message}`));
      p.on('console', (m) => { if (m.type() === 'error') console.log(`  console error on ${p.url()}: ${m.text()}`); });
    });
    ctx.setDefaultTimeout(DEADLINE.page * 1000);
    this.contexts.push(ctx);
    return ctx;
  }
  async close(failed) {
    let i = 0;
    for (const ctx of this.contexts) {
      for (const p of ctx.pages()) {
        if (failed && !p.isClosed() && p.url() !== 'about:blank') {
          const base = path.join(OUT, `FAIL-${slug(this.name)}-${i++}`);
          await p.screenshot({ path: `${base}.png`, fullPage: true }).catch(() => {});
          await writeFile(`${base}.html`, await p.content().catch(() => '')).catch(() => {});
        }
      }
      await ctx.close().catch(() => {});
    }
  }
}
const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

async function shot(page, name) {
  await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
}

// ------------------------------------------------------------ the tests

const [A, B, C] = SEQS; // A: live row + no-JS form; B: log pane + dialog off; C: kill

test('login: the one-time code gives a session, once', async (t) => {
  const ctx = await t.context({ anonymous: true });
  const page = await ctx.newPage();
  await goto(page, UI_URL);
  check(new URL(page.url()).pathname === '/', `after ${UI_URL}: at ${page.url()}, not / (303 /)`);
  await exists(page, sel('clusters-body'), 'the overview\'s table body');
  session = await ctx.storageState();
  check(session.cookies.some((c) => c.httpOnly), `the login set no HttpOnly cookie: ${JSON.stringify(session.cookies)}`);
  const again = await (await t.context({ anonymous: true })).newPage();
  await again.goto(UI_URL, { timeout: DEADLINE.page * 1000 });
  check((await again.locator(sel('clusters-body')).count()) === 0,
    `the one-time code worked twice (${again.url()} shows the overview)`);
});

test(`overview: ${CLUSTER} shows 3/3`, async (t) => {
  const page = await openLive(await t.context(), '/');
  const row = sel(`cluster-${CLUSTER}`);
  await waitFor(`the overview's row ${row} showing "3/3"`, async () => /\b3\/3\b/.test(await text(page, row)),
    DEADLINE.firstView, () => text(page, row));
  await waitFor(`the overview's row of ${DB_CLUSTER} showing "1/1"`,
    async () => /\b1\/1\b/.test(await text(page, sel(`cluster-${DB_CLUSTER}`))), DEADLINE.live,
    () => text(page, sel(`cluster-${DB_CLUSTER}`)));
  const link = page.locator(`${row} a[href$="/c/${CLUSTER}"]`);
  check((await link.count()) > 0, `the row of ${CLUSTER} has no link to /c/${CLUSTER}`);
  await noReload(page, 'the overview');
});

test('cluster: ochopod off updates the row live, keeping focus and selection', async (t) => {
  await ensureRunning(A);
  const page = await openLive(await t.context(), `/c/${CLUSTER}`);
  for (const s of SEQS) {
    await waitFor(`row ${podRowId(s)} showing "running"`, async () => /\brunning\b/.test(await text(page, sel(podRowId(s)))),
      DEADLINE.firstView, () => text(page, sel(podRowId(s))));
  }
  const box = (s) => page.locator(`${sel(podRowId(s))} input[type=checkbox]`).first();
  check((await box(A).count()) > 0, `row ${podRowId(A)} has no checkbox`);
  await box(B).check();
  await box(A).check();
  await box(A).focus();
  check(await box(A).evaluate((el) => el === document.activeElement), 'the row\'s checkbox did not take the focus');

  const off = await cli('off', '-i', String(A), CLUSTER);
  check(off.code === 0, `ochopod off -i ${A} ${CLUSTER} failed (${off.code}): ${off.stdout}${off.stderr}`);
  const t0 = Date.now();
  const rowA = sel(podRowId(A));
  await waitFor(`row ${podRowId(A)} showing "stopped" (no "running") after ochopod off, without reload`,
    async () => {
      const s = await text(page, rowA);
      return /\bstopped\b/.test(s) && !/\brunning\b/.test(s);
    }, DEADLINE.live, () => text(page, rowA));
  console.log(`  row updated ${secs(Date.now() - t0)} s after ochopod off returned (deadline ${DEADLINE.live} s)`);
  await noReload(page, 'the cluster page');
  check(await box(A).isChecked(), `row ${podRowId(A)}'s checkbox lost its tick when the row was replaced`);
  check(await box(B).isChecked(), `row ${podRowId(B)}'s checkbox lost its tick`);
  check(!(await box(C).isChecked()), `row ${podRowId(C)}'s checkbox got ticked`);
  const focused = await box(A).evaluate((el) => el === document.activeElement);
  check(focused, `the focus left row ${podRowId(A)}'s checkbox when the row was replaced: now on ${await focusDescription(page)}`);

  const on = await cli('on', '-i', String(A), CLUSTER);
  check(on.code === 0, `ochopod on -i ${A} failed: ${on.stdout}${on.stderr}`);
  await waitFor(`row ${podRowId(A)} showing "running" again after ochopod on`,
    async () => /\brunning\b/.test(await text(page, rowA)), DEADLINE.live, () => text(page, rowA));
});

test('pod: the log pane follows and filters incoming lines (! inverts)', async (t) => {
  await ensureRunning(B);
  const page = await openLive(await t.context(), `/c/${CLUSTER}/${B}`);
  const pane = logPaneId(B);
  await exists(page, sel(pane), 'the log pane');
  const lines = () => visibleLines(page, pane);
  const tail = async () => (await lines()).slice(-4).join(' | ');
  const first = await waitFor(`the log pane ${pane} showing the child's lines ("tick <n>", "tock <n>")`,
    async () => { const m = maxOf(counters(await lines())); return m >= 0 ? { m } : null; }, DEADLINE.log, tail)
    .then((v) => v.m);
  await waitFor(`a line newer than #${first} arriving in ${pane} (follow)`,
    async () => maxOf(counters(await lines())) > first, DEADLINE.log, tail);

  const filter = page.locator(`[id="${pane}-filter"], [data-log-filter], input[aria-controls="${pane}"]`)
    .or(page.getByRole('searchbox', { name: /filter/i }))
    .or(page.getByRole('textbox', { name: /filter/i })).first();
  check((await filter.count()) > 0, `no log filter on the pod page (input[aria-controls="${pane}"] or a textbox named "filter")`);

  let mark = maxOf(counters(await lines()));
  await filter.fill('tick');
  await waitFor(`with filter "tick": only tick lines shown, and a tick line newer than #${mark} arriving`,
    async () => {
      const ls = await lines();
      return ls.length > 0 && ls.every((l) => /tick/.test(l)) && maxOf(counters(ls, 'tick')) > mark;
    }, DEADLINE.log + DEADLINE.ui, tail);

  mark = maxOf(counters(await lines()));
  await filter.fill('!tick');
  await waitFor(`with filter "!tick": no tick line shown, and a tock line newer than #${mark} arriving`,
    async () => {
      const ls = await lines();
      return ls.length > 0 && !ls.some((l) => /tick/.test(l)) && maxOf(counters(ls, 'tock')) > mark;
    }, DEADLINE.log + DEADLINE.ui, tail);

  await filter.fill('');
  await waitFor('with the filter cleared: tick and tock lines both shown',
    async () => { const ls = await lines(); return counters(ls, 'tick').length > 0 && counters(ls, 'tock').length > 0; },
    DEADLINE.ui, tail);
  await noReload(page, 'the pod page');
});

test('pod: off through the dialog (focus on Cancel, Esc cancels), the CLI confirms', async (t) => {
  await ensureRunning(B);
  const page = await openLive(await t.context(), `/c/${CLUSTER}/${B}`);
  const trigger = actionControl(page, /^\W*off\b/i);
  check((await trigger.count()) > 0, `no "Off" button on /c/${CLUSTER}/${B}`);
  const dialog = page.getByRole('dialog');

  await trigger.click();
  await waitFor('the Off dialog opening', () => dialog.isVisible(), DEADLINE.ui);
  const dialogText = await dialog.innerText();
  check(dialogText.includes(CLUSTER) && new RegExp(`#${B}\\b`).test(dialogText),
    `the Off dialog does not name the pod (${CLUSTER} #${B}): "${dialogText}"`);
  const onCancel = await page.evaluate(() => {
    const a = document.activeElement;
    return !!a && a.closest('dialog') !== null && /cancel/i.test(a.getAttribute('aria-label') || a.textContent || a.value || '');
  });
  check(onCancel, `the focus did not start on Cancel in the dialog: it is on ${await focusDescription(page)}`);
  await shot(page, 'dialog-off-light');

  await page.keyboard.press('Escape');
  await waitFor('Esc closing the Off dialog', async () => !(await dialog.isVisible()), DEADLINE.ui);
  await waitFor('the focus returning to the Off button after Esc',
    () => trigger.evaluate((el) => el === document.activeElement), DEADLINE.ui, () => focusDescription(page));
  check((await processOf(B)) === 'running', `Esc did not cancel: ${CLUSTER} #${B} is ${await processOf(B)}`);

  await trigger.click();
  await waitFor('the Off dialog opening again', () => dialog.isVisible(), DEADLINE.ui);
  await (await confirmButton(dialog, 'the Off dialog')).click();
  await waitFor(`ochopod info -j showing ${CLUSTER} #${B}'s process not running after the dialog's Off`,
    async () => { const p = await processOf(B); return p !== 'running' && !p.startsWith('('); },
    DEADLINE.action, () => processOf(B));
  const resultRow = page.locator('tr').filter({ hasText: new RegExp(`#${B}\\b`) }).filter({ hasText: /\b200\b/ });
  await waitFor(`a result row for #${B} with code 200 shown after the Off`, async () => (await resultRow.count()) > 0,
    DEADLINE.action, async () => page.url());
  await shot(page, 'action-result-light');
  await ensureRunning(B);
});

test('read-only: no action controls in the DOM', async (t) => {
  const ctx = await t.context({ anonymous: true });
  const page = await ctx.newPage();
  await goto(page, UI_RO_URL);
  check(new URL(page.url()).pathname === '/', `after the read-only login: at ${page.url()}, not /`);
  for (const p of ['/', `/c/${CLUSTER}`, `/c/${CLUSTER}/${A}`, `/c/${CLUSTER}/logs`, '/actions']) {
    await goto(page, `${UI_RO_BASE}${p}`);
    const controls = await page.evaluate((re) => {
      const name = new RegExp(re.source, re.flags);
      const out = [];
      for (const el of document.querySelectorAll('button, a, input[type=submit], input[type=button], [role=button]')) {
        const n = (el.getAttribute('aria-label') || el.textContent || el.value || '').trim();
        if (name.test(n)) {
          out.push(`<${el.tagName.toLowerCase()}> "${n}"`);
        }
      }
      for (const f of document.querySelectorAll('form')) {
        const action = f.getAttribute('action') || '';
        if ((f.method || '').toLowerCase() === 'post' && !/\/logout$/.test(action)) out.push(`<form method=post action="${action}">`);
        if (/\/confirm\b/.test(action)) out.push(`<form action="${action}">`);
      }
      for (const a of document.querySelectorAll('a[href*="/confirm"]')) out.push(`<a href="${a.getAttribute('href')}">`);
      for (const d of document.querySelectorAll('dialog')) out.push(`<dialog id="${d.id}">`);
      return out;
    }, { source: ACTION_NAME.source, flags: ACTION_NAME.flags });
    check(controls.length === 0, `read-only ${p} renders action controls: ${controls.join(', ')}`);
    check(/read-only/i.test(await page.locator('body').innerText()), `read-only ${p} does not say "Read-only"`);
  }
  await shot(page, 'read-only-light');
});

test('no JavaScript: off through the forms (confirm page, result page), the CLI confirms', async (t) => {
  await ensureRunning(A);
  const ctx = await t.context({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await goto(page, `${UI_BASE}/c/${CLUSTER}/${A}`);
  await exists(page, sel('pod-head'), 'the pod page\'s head (server-rendered)');
  const trigger = actionControl(page, /^\W*off\b/i);
  check((await trigger.count()) > 0, `no "Off" control on /c/${CLUSTER}/${A} without JavaScript`);
  await Promise.all([page.waitForURL(/\/confirm\?/, { timeout: DEADLINE.page * 1000 }), trigger.click()])
    .catch(async () => { throw new Failure(`Off did not lead to /confirm?... without JavaScript (at ${page.url()})`); });
  const confirmText = await page.locator('body').innerText();
  check(confirmText.includes(CLUSTER) && new RegExp(`#${A}\\b`).test(confirmText),
    `the confirmation page does not name ${CLUSTER} #${A}`);
  await shot(page, 'confirm-nojs-light');
  const form = page.locator('form[action$="/actions"]')
    .or(page.locator('form').filter({ has: page.locator('button, input[type=submit]') }).last()).first();
  await Promise.all([page.waitForURL(/\/actions\/\d+$/, { timeout: DEADLINE.page * 1000 }),
    (await confirmButton(form, 'the confirmation page\'s form')).click()])
    .catch(async () => { throw new Failure(`confirming did not lead to /actions/<id> (at ${page.url()})`); });
  await waitFor(`ochopod info -j showing ${CLUSTER} #${A}'s process not running after the form's Off`,
    async () => { const p = await processOf(A); return p !== 'running' && !p.startsWith('('); },
    DEADLINE.action, () => processOf(A));
  const resultRow = page.locator('tr').filter({ hasText: new RegExp(`#${A}\\b`) }).filter({ hasText: /\b200\b/ });
  await waitFor(`the result page (reloaded) showing #${A} with code 200`, async () => {
    await page.reload({ timeout: DEADLINE.page * 1000 });
    return (await resultRow.count()) > 0;
  }, DEADLINE.action, async () => (await page.locator('body').innerText()).slice(0, 400));
  await shot(page, 'result-nojs-light');
  await ensureRunning(A);
});

test('axe: no serious or critical violation in any view; screenshots light and dark', async (t) => {
  const views = [
    ['overview', '/', async (p) => /\b3\/3\b/.test(await text(p, sel(`cluster-${CLUSTER}`)))],
    ['cluster', `/c/${CLUSTER}`, async (p) => (await p.locator(`${sel('pods-body')} tr`).count()) >= 3],
    ['pod', `/c/${CLUSTER}/${B}`, async (p) => counters(await visibleLines(p, logPaneId(B))).length > 0],
    ['logs', `/c/${CLUSTER}/logs`, async (p) => counters(await visibleLines(p, `log-${CLUSTER}`)).length > 0],
    ['events', '/events', async (p) => (await p.locator(sel('events-body')).count()) > 0],
    ['actions', '/actions', async (p) => (await p.locator(sel('actions-body')).count()) > 0],
  ];
  const problems = [];
  for (const scheme of ['light', 'dark']) {
    const ctx = await t.context({ colorScheme: scheme });
    for (const [view, urlPath, ready] of views) {
      const page = await openLive(ctx, urlPath);
      await waitFor(`the ${view} view (${urlPath}) showing its content`, () => ready(page), DEADLINE.firstView,
        async () => (await page.locator('main').or(page.locator('body')).first().innerText()).slice(0, 300));
      await shot(page, `${view}-${scheme}`);
      const result = await new AxeBuilder({ page }).withTags(WCAG).analyze();
      await writeFile(path.join(OUT, `axe-${view}-${scheme}.json`), JSON.stringify(result.violations, null, 1));
      for (const v of result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
        const where = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ');
        problems.push(`${view} (${scheme}): ${v.impact} ${v.id}: ${v.help} [${v.nodes.length} node(s): ${where}]`);
      }
      console.log(`  ${view} ${scheme}: ${result.violations.length} violation(s) of any impact, ${result.passes.length} rules passed`);
      await page.close();
    }
  }
  check(problems.length === 0, `axe found serious or critical violations:\n    ${problems.join('\n    ')}`);
});

test('kill: confirming needs the typed cluster name; the CLI sees the pod dead', async (t) => {
  await ensureRunning(C);
  const page = await openLive(await t.context(), `/c/${CLUSTER}/${C}`);
  const trigger = actionControl(page, /^\W*kill\b/i);
  check((await trigger.count()) > 0, `no "Kill" button on /c/${CLUSTER}/${C}`);
  await trigger.click();
  const dialog = page.getByRole('dialog');
  await waitFor('the Kill dialog opening', () => dialog.isVisible(), DEADLINE.ui);
  const field = dialog.getByRole('textbox').first();
  check((await field.count()) > 0, 'the Kill dialog has no field to type the cluster name in');
  const confirm = await confirmButton(dialog, 'the Kill dialog');
  check(await refused(confirm, field), 'the Kill confirmation is accepted before the cluster name is typed');
  for (const wrong of [CLUSTER.slice(0, -1), `${CLUSTER}x`, CLUSTER.toUpperCase(), CLUSTER.split('.').pop()]) {
    await field.fill(wrong);
    check(await refused(confirm, field), `the Kill confirmation is accepted with "${wrong}" typed (the name is ${CLUSTER})`);
  }
  await shot(page, 'dialog-kill-light');
  await field.fill(CLUSTER);
  await waitFor(`the Kill confirmation accepted once "${CLUSTER}" is typed`, async () => !(await refused(confirm, field)),
    DEADLINE.ui);
  check((await processOf(C)) === 'running', `typing alone changed ${CLUSTER} #${C}: ${await processOf(C)}`);
  await confirm.click();
  await waitFor(`ochopod info -j showing ${CLUSTER} #${C} dead after the Kill`,
    async () => (await processOf(C)) === 'dead', DEADLINE.action, () => processOf(C));
});

test('ZooKeeper stopped: the banner says "stale since", then recovers', async (t) => {
  const page = await openLive(await t.context(), '/');
  const banner = () => page.evaluate(() => [...document.querySelectorAll('#zk-status, [role=status], [role=alert]')]
    .map((e) => e.innerText.trim()).filter(Boolean).join(' | '));
  await exists(page, sel('zk-status'), 'the ZooKeeper status (#zk-status)');
  check(!/stale/i.test(await banner()), `the banner says stale before ZooKeeper stops: "${await banner()}"`);
  check((await healthz(page)).zk === 'connected', `/healthz before: ${JSON.stringify(await healthz(page))}`);

  await control('/zk/stop');
  const t0 = Date.now();
  // "stale since <time>", or the markup's "lost since <time> ...; what you see is stale".
  await waitFor('the banner showing "stale since" after ZooKeeper stopped',
    async () => STALE_SINCE.test(await banner()), DEADLINE.zkLost, banner);
  console.log(`  "stale since" shown ${secs(Date.now() - t0)} s after ZooKeeper was killed`);
  const lost = await healthz(page);
  check(lost.zk === 'lost' && lost.stale_since > 0, `/healthz while ZooKeeper is down: ${JSON.stringify(lost)}`);
  await shot(page, 'zk-stale-light');

  await control('/zk/start');
  const t1 = Date.now();
  await waitFor('the banner no longer saying "stale" once ZooKeeper serves again', async () => !/stale/i.test(await banner()),
    DEADLINE.zkBack, banner);
  console.log(`  banner recovered ${secs(Date.now() - t1)} s after ZooKeeper served again`);
  await waitFor('/healthz saying connected again', async () => (await healthz(page)).zk === 'connected', DEADLINE.ui,
    async () => JSON.stringify(await healthz(page)));
  await noReload(page, 'the overview through the ZooKeeper outage');
  await waitFor(`the overview still listing ${CLUSTER} after the outage`,
    async () => (await page.locator(sel(`cluster-${CLUSTER}`)).count()) > 0, DEADLINE.live);
});

// ------------------------------------------------------------ runner

const results = [];
let failed = 0;
for (const { name, fn } of tests) {
  if (ONLY && !ONLY.test(name) && !name.startsWith('login')) continue;
  const t = new T(name);
  const start = Date.now();
  let error = null;
  try {
    await fn(t);
    if (t.errors.length) throw new Failure(`uncaught errors in the page: ${t.errors.join('; ')}`);
  } catch (e) {
    error = e instanceof Failure ? e.message : (e.stack || String(e));
  }
  await t.close(!!error);
  const seconds = (Date.now() - start) / 1000;
  results.push({ name, ok: !error, seconds, error });
  if (error) {
    failed++;
    console.log(`FAIL ${name} (${seconds.toFixed(1)} s)\n  ${error}`);
  } else {
    console.log(`ok   ${name} (${seconds.toFixed(1)} s)`);
  }
  if (error && name.startsWith('login')) {
    console.log('ui.test: no session; the other tests cannot run');
    break;
  }
}
const version = browser.version();
await browser.close();
await writeFile(path.join(OUT, 'results.json'), JSON.stringify({ chromium: version, results }, null, 1));
console.log(`ui.test: ${results.length - failed} passed, ${failed} failed; screenshots and reports in ${OUT}`);
process.exit(failed ? 1 : 0);
