// Drives the web console in headless Chromium against a running server (ConsoleBrowserTest starts
// one): node console.e2e.mjs <base URL> <token> <artifacts dir> [<operator user> <operator password,
// percent-encoded>]; the cluster view's steps need the operator. Prints one JSON line per step
// passed and exits non-zero at the first failure, or if the browser logged any error the step did
// not expect.
import {chromium} from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [base, token, outDir, operatorUser, operatorPasswordEncoded] = process.argv.slice(2);
if (!base || !token || !outDir) {
  console.error('usage: node console.e2e.mjs <base URL> <token> <artifacts dir> [<operator user> <operator password>]');
  process.exit(2);
}
const operatorPassword = operatorPasswordEncoded === undefined ? undefined : decodeURIComponent(operatorPasswordEncoded);
fs.mkdirSync(outDir, {recursive: true});
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskforce-console-e2e-'));

const DESKTOP = {width: 1280, height: 860};
const PHONE = {width: 390, height: 844};

const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
    '--no-first-run', '--disable-component-update', '--disable-sync'],
  viewport: DESKTOP,
});

/** Browser console errors and uncaught exceptions; `expected` lets one step allow some. */
const errors = [];
let expected = null;
function watch(page) {
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = `${message.text()} (${message.location().url ?? ''})`;
    if (expected && expected.test(text)) return;
    errors.push(text);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
}

function step(name, detail = {}) {
  console.log(JSON.stringify({step: name, ...detail}));
}

async function waitUntil(what, check, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const card = (page, title) => page.getByRole('article', {name: title, exact: true});
const statusOf = async (page, title) => card(page, title).locator('.badge').getAttribute('data-status');
const percentOf = async (page, title) => {
  const value = await card(page, title).getAttribute('data-percent');
  return value === null || value === '' ? -1 : Number(value);
};
const waitStatus = (page, title, status, timeoutMs) =>
  waitUntil(`${title} to be ${status}`, async () => (await statusOf(page, title)) === status, timeoutMs);
const feedState = (page) => page.locator('.feed-state').getAttribute('data-feed-state');

async function dispatch(page, title, script) {
  const form = page.getByRole('form', {name: 'Dispatch a process task'});
  await form.getByLabel('Title').fill(title);
  await form.getByLabel('Command', {exact: true}).fill(script);
  await form.getByRole('button', {name: 'Dispatch'}).click();
  await card(page, title).waitFor({timeout: 15_000});
}

/** Every form control has a name a screen reader can say. */
async function assertLabelled(page, where) {
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, textarea, button, progress, select')]
      .filter((el) => !el.closest('[hidden]'))
      .filter((el) => !(el.labels && el.labels.length > 0) && !el.getAttribute('aria-label')
          && !el.getAttribute('aria-labelledby') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
      .map((el) => el.outerHTML.slice(0, 120)));
  if (unnamed.length > 0) throw new Error(`controls without a name on ${where}: ${unnamed.join(' | ')}`);
}

async function assertNoHorizontalScroll(page, where) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) throw new Error(`${where} scrolls sideways by ${overflow}px at ${page.viewportSize().width}px`);
}

// The session and the tasks the script makes (their titles name their cards).
const SESSION = 'refactor-auth';
const COUNT = 'Run the test suite';
const ASK = 'Deploy to staging';
const LOG = 'Tail the build log';
const REVIEW = 'Review the diff';

let page;
try {
  // 1. Sign in with the form: a wrong token is refused, the right one lets you in.
  const first = await context.newPage();
  watch(first);
  await first.goto(`${base}/`);
  await first.getByRole('heading', {name: 'Sign in'}).waitFor();
  if (!(await first.getByLabel('API token').evaluate((el) => el === document.activeElement))) {
    throw new Error('the token field does not have the focus on the sign-in page');
  }
  expected = /status of 401/;
  await first.getByLabel('API token').fill('not-the-token');
  await first.keyboard.press('Enter');
  await first.getByText('The server did not accept that token.').waitFor();
  expected = null;
  await first.getByLabel('API token').fill(token);
  await first.keyboard.press('Enter');
  await first.getByRole('heading', {name: 'Sessions', level: 1}).waitFor();
  await first.getByRole('button', {name: 'Sign out'}).click();
  await first.getByRole('heading', {name: 'Sign in'}).waitFor();
  await first.close();
  step('sign-in-form');

  // 2. Sign in with the startup link: the token leaves the address at once and stays in the tab.
  page = await context.newPage();
  watch(page);
  await page.goto(`${base}/#token=${encodeURIComponent(token)}`);
  await page.getByRole('heading', {name: 'Sessions', level: 1}).waitFor();
  if (page.url().includes(token)) throw new Error(`the token is still in the address: ${page.url()}`);
  const stored = await page.evaluate(() => sessionStorage.getItem('taskforce.token'));
  if (stored !== token) throw new Error('the token is not in sessionStorage');
  const history = await page.evaluate(() => history.length);
  step('sign-in-link', {url: page.url(), historyLength: history});
  await page.getByText('No sessions yet.').waitFor();
  await assertLabelled(page, 'the sessions page');
  // The skip link comes first in the tab order.
  await page.keyboard.press('Tab');
  const firstFocus = await page.evaluate(() => document.activeElement?.textContent?.trim());
  if (firstFocus !== 'Skip to the content') throw new Error(`the first Tab stop is "${firstFocus}"`);

  // 3. Dispatch a process task from the form; it shows up running in its session's view.
  const form = page.getByRole('form', {name: 'Dispatch a process task'});
  await form.getByLabel('Session').fill(SESSION);
  await form.getByLabel('Title').fill(COUNT);
  await form.getByLabel('Command', {exact: true}).fill(
      'for i in $(seq 1 1000); do echo "::progress $((i / 10)) step $i of 1000"; sleep 0.1; done');
  await form.getByRole('button', {name: 'Dispatch'}).click();
  await page.waitForURL(new RegExp(`#/sessions/${SESSION}$`));
  await card(page, COUNT).waitFor();
  await waitStatus(page, COUNT, 'running');
  await waitUntil('the feed to be live', async () => (await feedState(page)) === 'live');
  step('dispatch');

  // 4. Its progress bar moves, with percent and message.
  const p1 = await waitUntil('a first percent', async () => {
    const p = await percentOf(page, COUNT);
    return p >= 1 ? p : 0;
  });
  const p2 = await waitUntil('the percent to grow', async () => {
    const p = await percentOf(page, COUNT);
    return p > p1 ? p : 0;
  });
  const message = await card(page, COUNT).locator('.message').textContent();
  if (!/^step \d+ of 1000$/.test(message ?? '')) throw new Error(`unexpected progress message "${message}"`);
  const barValue = await card(page, COUNT).locator('progress').evaluate((el) => el.value);
  if (barValue < p1) throw new Error(`the progress bar shows ${barValue}, below ${p1}`);
  step('progress-moves', {from: p1, to: p2, message});

  // 5. Pause: the badge says paused and the progress stops.
  await card(page, COUNT).getByRole('button', {name: `Pause ${COUNT}`}).click();
  await waitStatus(page, COUNT, 'paused', 10_000);
  await page.waitForTimeout(700); // a tick already under way may still land
  const pausedAt = await percentOf(page, COUNT);
  await page.waitForTimeout(2500);
  const stillAt = await percentOf(page, COUNT);
  if (stillAt !== pausedAt) throw new Error(`progress moved while paused: ${pausedAt} -> ${stillAt}`);
  const resumeFocused = await page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
  if (resumeFocused !== `Resume ${COUNT}`) throw new Error(`after pausing the focus is on "${resumeFocused}"`);
  step('pause', {percent: pausedAt});

  // 6. Resume (from the keyboard: the focus moved to Resume): running again, the progress restarts.
  await page.keyboard.press('Enter');
  await waitStatus(page, COUNT, 'running', 10_000);
  const resumedTo = await waitUntil('the progress to restart', async () => {
    const p = await percentOf(page, COUNT);
    return p > stillAt ? p : 0;
  });
  step('resume', {from: stillAt, to: resumedTo});

  // 7. A task asks a question: the prompt box appears, the answer is typed and sent with Enter.
  await dispatch(page, ASK,
      'echo "::ask Deploy to staging?"; read answer; echo "answer: $answer"; echo "::progress 100 done"');
  await waitStatus(page, ASK, 'input_required');
  const question = await card(page, ASK).locator('.question-text').textContent();
  if (question !== 'Deploy to staging?') throw new Error(`the question shows as "${question}"`);
  await card(page, ASK).getByLabel('Question: Deploy to staging?').fill('yes');
  await card(page, ASK).getByLabel('Question: Deploy to staging?').press('Enter');
  await waitStatus(page, ASK, 'completed');
  step('answer');

  // 8. The task detail: the output tail and the result.
  await card(page, ASK).getByRole('link', {name: ASK}).click();
  await page.getByRole('heading', {name: ASK, level: 1}).waitFor();
  await waitUntil('the output tail', async () => (await page.locator('pre.output').textContent())?.includes('answer: yes'));
  const result = await page.locator('pre.result').textContent();
  if (!result?.includes('answer: yes') || !result.includes('"exitCode": 0')) throw new Error(`the result shows ${result}`);
  await page.screenshot({path: path.join(outDir, 'task-detail-desktop.png'), fullPage: true});
  step('task-detail');

  // 9. The detail of a running task follows its output live.
  await page.goBack();
  await card(page, COUNT).waitFor();
  await dispatch(page, LOG, 'for i in $(seq 1 600); do echo "line $i"; sleep 0.1; done');
  await card(page, LOG).getByRole('link', {name: LOG}).click();
  await page.getByRole('heading', {name: LOG, level: 1}).waitFor();
  const lines = async () => ((await page.locator('pre.output').textContent()) ?? '').split('\n').filter(Boolean).length;
  const l1 = await waitUntil('some output', async () => await lines() || 0);
  const l2 = await waitUntil('more output', async () => ((await lines()) > l1 + 3 ? await lines() : 0));
  await page.getByRole('button', {name: `Cancel ${LOG}`}).click();
  await page.locator('.badge[data-status="cancelled"]').waitFor();
  await page.getByRole('heading', {name: 'Cancelled'}).waitFor();
  step('output-follows', {from: l1, to: l2});

  // 10. Reload mid-run: the same state comes back, signed in, live.
  await page.goBack();
  await card(page, COUNT).waitFor();
  await dispatch(page, REVIEW, 'echo "::progress 10 reading the diff"; echo "::ask Ship the change to main?"; read a; echo "$a"');
  await waitStatus(page, REVIEW, 'input_required');
  const beforeReload = await percentOf(page, COUNT);
  await page.reload();
  await card(page, COUNT).waitFor();
  await waitStatus(page, COUNT, 'running', 5000);
  await waitStatus(page, ASK, 'completed', 5000);
  await waitStatus(page, LOG, 'cancelled', 5000);
  await waitStatus(page, REVIEW, 'input_required', 5000);
  const afterReload = await waitUntil('the progress after the reload', async () => {
    const p = await percentOf(page, COUNT);
    return p >= beforeReload ? p : 0;
  });
  await waitUntil('the feed to be live after the reload', async () => (await feedState(page)) === 'live');
  await waitUntil('the progress to go on after the reload', async () => (await percentOf(page, COUNT)) > afterReload);
  if (page.url().includes(token)) throw new Error('the token came back into the address');
  step('reload', {before: beforeReload, after: afterReload});

  // 11. The connection drops (the test cuts every connection and refuses new ones for 3 s):
  // "Reconnecting…", then live again from the last event seen, and the progress goes on.
  expected = /ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|ERR_INCOMPLETE_CHUNKED_ENCODING|Failed to fetch/;
  console.log(JSON.stringify({request: 'drop-connections'}));
  await waitUntil('the reconnecting state', async () => (await feedState(page)) === 'reconnecting', 15_000);
  const reconnectingText = await page.locator('.feed-state').textContent();
  await page.screenshot({path: path.join(outDir, 'session-reconnecting.png')});
  await waitUntil('the feed to be live again', async () => (await feedState(page)) === 'live', 30_000);
  expected = null;
  const percentBack = await percentOf(page, COUNT);
  await waitUntil('progress after reconnecting', async () => (await percentOf(page, COUNT)) > percentBack);
  step('reconnect', {shown: reconnectingText});

  // 12. Screenshots of the session view, desktop and phone width.
  await assertLabelled(page, 'the session page');
  await assertNoHorizontalScroll(page, 'the session page');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({path: path.join(outDir, 'session-desktop.png')});
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(300);
  await assertNoHorizontalScroll(page, 'the session page');
  await page.screenshot({path: path.join(outDir, 'session-phone.png'), fullPage: true});
  await page.goto(`${base}/#/`);
  await page.locator(`li.session[data-session-id="${SESSION}"]`).waitFor();
  await assertNoHorizontalScroll(page, 'the sessions page');
  await page.screenshot({path: path.join(outDir, 'sessions-phone.png'), fullPage: true});
  await page.setViewportSize(DESKTOP);
  const running = await page.locator(`li.session[data-session-id="${SESSION}"] [data-count="running"] .count-n`).textContent();
  await page.screenshot({path: path.join(outDir, 'sessions-desktop.png')});
  step('screenshots', {running});

  // 12b. The cluster view: the operator signs in (wrong credentials refused), sees this node's row
  // with its running attempts, slots and queued, sees it refresh as a task starts and ends, and is
  // asked again when the server stops accepting the credentials.
  if (operatorUser && operatorPassword) {
    await page.getByRole('navigation', {name: 'Main'}).getByRole('link', {name: 'Cluster'}).click();
    await page.getByRole('heading', {name: 'Cluster', level: 1}).waitFor();
    if (!(await page.getByLabel('Operator user').evaluate((el) => el === document.activeElement))) {
      throw new Error('the operator user field does not have the focus on the cluster sign-in');
    }
    await assertLabelled(page, 'the cluster sign-in');
    expected = /status of 401/;
    await page.getByLabel('Operator user').fill(operatorUser);
    await page.getByLabel('Operator password').fill('not-the-password');
    await page.keyboard.press('Enter');
    await page.getByText('The server did not accept these operator credentials.').waitFor();
    expected = null;
    await page.getByLabel('Operator password').fill(operatorPassword);
    await page.keyboard.press('Enter');
    const row = page.locator('table.nodes tr.node').first();
    await row.waitFor();
    const cell = async (key) => Number(await row.locator(`[data-count="${key}"]`).textContent());
    const address = await row.getByRole('rowheader').textContent();
    if (!/^pekko:\/\/[^@]+@127\.0\.0\.1:\d+$/.test(address ?? '')) throw new Error(`the node row names "${address}"`);
    const status = await row.getAttribute('data-status');
    if (status !== 'up') throw new Error(`the node's status shows as "${status}"`);
    const slots = await cell('slots');
    if (slots !== 8) throw new Error(`the node shows ${slots} slots, not taskforce.node.max-running = 8`);
    const runningBefore = await cell('running');
    if (!(runningBefore >= 1)) throw new Error(`the node shows ${runningBefore} running attempts while "${COUNT}" runs`);
    const queued = await cell('queued');
    if (queued !== 0) throw new Error(`the node shows ${queued} queued attempts with free slots`);
    const stored = await page.evaluate(() => ({
      session: sessionStorage.getItem('taskforce.operator'), local: localStorage.length,
    }));
    if (!stored.session?.startsWith('Basic ') || stored.local !== 0) {
      throw new Error(`the operator credentials are kept as ${JSON.stringify(stored)}`);
    }
    await assertLabelled(page, 'the cluster page');
    await assertNoHorizontalScroll(page, 'the cluster page');
    await page.screenshot({path: path.join(outDir, 'cluster-desktop.png')});
    step('cluster-sign-in', {address, status, running: runningBefore, slots, queued});

    // It refreshes by itself: one more task running shows, and goes again once it is cancelled.
    const extra = await page.request.post(`${base}/v1/sessions/cluster-check/tasks`, {
      headers: {Authorization: `Bearer ${token}`},
      data: {title: 'Hold a slot', executor: 'process', input: {command: ['bash', '-c', 'sleep 120']}},
    });
    if (extra.status() !== 202) throw new Error(`the extra dispatch answered ${extra.status()}`);
    const extraId = (await extra.json()).id;
    await waitUntil('the extra task in the node row', async () => (await cell('running')) === runningBefore + 1, 20_000);
    const cancelled = await page.request.post(`${base}/v1/tasks/${encodeURIComponent(extraId)}/cancel`,
        {headers: {Authorization: `Bearer ${token}`}});
    if (cancelled.status() !== 200) throw new Error(`the extra task's cancel answered ${cancelled.status()}`);
    await waitUntil('the extra task to leave the node row', async () => (await cell('running')) === runningBefore, 20_000);
    await page.setViewportSize(PHONE);
    await waitUntil('the phone layout', async () =>
      (await row.evaluate((el) => getComputedStyle(el).display)) === 'block', 5000);
    await assertNoHorizontalScroll(page, 'the cluster page');
    await page.screenshot({path: path.join(outDir, 'cluster-phone.png'), fullPage: true});
    await page.setViewportSize(DESKTOP);
    step('cluster-refreshes', {from: runningBefore + 1, to: runningBefore});

    // The operator password is changed on the server (the test does it when asked): the next
    // refresh is refused, the view says so and asks again; the new password brings the table back.
    expected = /status of 401/;
    console.log(JSON.stringify({request: 'change-operator-password'}));
    await page.getByText('The server no longer accepts the operator credentials').waitFor({timeout: 15_000});
    expected = null;
    const refusedState = await page.locator('form[data-state]').getAttribute('data-state');
    if (refusedState !== 'refused') throw new Error(`the refused form is in state "${refusedState}"`);
    if (await page.evaluate(() => sessionStorage.getItem('taskforce.operator')) !== null) {
      throw new Error('the refused credentials were kept');
    }
    await page.getByLabel('Operator user').fill(operatorUser);
    await page.getByLabel('Operator password').fill(`${operatorPassword}-changed`);
    await page.getByRole('button', {name: 'Sign in as operator'}).click();
    await row.waitFor();
    step('cluster-refused');

    await page.getByRole('navigation', {name: 'Main'}).getByRole('link', {name: 'Sessions'}).click();
    await page.locator(`li.session[data-session-id="${SESSION}"]`).waitFor();
  }

  // 13. Cancel: the running task and the one that waits for an answer.
  await page.getByRole('link', {name: SESSION}).click();
  await card(page, COUNT).waitFor();
  await card(page, COUNT).getByRole('button', {name: `Cancel ${COUNT}`}).click();
  await waitStatus(page, COUNT, 'cancelled', 10_000);
  const cancelledAt = await percentOf(page, COUNT);
  await card(page, REVIEW).getByRole('button', {name: `Cancel ${REVIEW}`}).click();
  await waitStatus(page, REVIEW, 'cancelled', 10_000);
  if (await card(page, REVIEW).locator('form.answer').isVisible()) throw new Error('the answer box outlived the question');
  const visibleButtons = await card(page, COUNT).getByRole('button').count();
  if (visibleButtons !== 0) throw new Error(`a cancelled task still offers ${visibleButtons} buttons`);
  await page.waitForTimeout(1500);
  if ((await percentOf(page, COUNT)) !== cancelledAt) throw new Error('progress moved after the cancel');
  step('cancel', {percent: cancelledAt});

  if (errors.length > 0) throw new Error(`the browser logged errors:\n${errors.join('\n')}`);
  step('no-console-errors');
  step('done');
} catch (error) {
  if (page) await page.screenshot({path: path.join(outDir, 'failure.png'), fullPage: true}).catch(() => {});
  console.error(`FAILED: ${error instanceof Error ? error.stack : error}`);
  if (errors.length > 0) console.error(`browser errors:\n${errors.join('\n')}`);
  process.exitCode = 1;
} finally {
  await context.close();
  fs.rmSync(userDataDir, {recursive: true, force: true});
}
