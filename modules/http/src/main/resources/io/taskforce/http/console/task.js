// One task in detail: its card (status, progress, controls, answer box), its facts, its output
// tail following live, and its result or error once it is finished.

import {api, ApiError, FINAL} from './api.js';
import {h, pretty, replace, when} from './dom.js';
import {Feed} from './feed.js';
import {feedIndicator} from './session.js';
import {TaskCard, TaskStore, taskName} from './tasks.js';

const OUTPUT_POLL_MS = 1000;
/** The most output the page keeps (the server keeps a bounded tail as well). */
const OUTPUT_KEEP_CHARS = 200_000;

/**
 * @param {HTMLElement} main
 * @param {string} tid
 * @returns {() => void} what stops the view
 */
export function taskView(main, tid) {
  const heading = h('h1', {tabindex: -1}, tid);
  const indicator = feedIndicator();
  const crumbs = h('nav', {class: 'crumbs', 'aria-label': 'Breadcrumb'}, h('a', {href: '#/'}, 'Sessions'), ' / …');
  const cardSlot = h('div', {});
  const facts = h('dl', {class: 'details'});
  const output = h('pre', {class: 'output', tabindex: 0, 'aria-labelledby': 'output-heading', 'aria-live': 'off'});
  const outputNote = h('p', {class: 'muted small'});
  const outcome = h('section', {class: 'outcome', 'aria-labelledby': 'outcome-heading', hidden: true});
  replace(main,
      crumbs,
      h('div', {class: 'page-head'}, heading, h('div', {class: 'page-tools'}, indicator.element)),
      cardSlot,
      outcome,
      h('section', {'aria-labelledby': 'output-heading'},
          h('h2', {id: 'output-heading'}, 'Output'), outputNote, output),
      h('section', {'aria-labelledby': 'details-heading'}, h('h2', {id: 'details-heading'}, 'Details'), facts));

  let stopped = false;
  /** @type {TaskCard | undefined} */
  let card;
  /** @type {Feed | undefined} */
  let feed;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let outputTimer;
  let offset = 0;
  let finalOutputRead = false;
  const ticker = setInterval(() => card?.tick(Date.now()), 1000);

  const store = new TaskStore((task) => {
    if (task.id !== tid) return;
    if (!card) {
      card = new TaskCard(task, store, {heading: 'h2', link: false, label: 'Status'});
      replace(cardSlot, card.element);
    } else {
      card.update(task);
    }
    show(task);
    if (FINAL.has(task.status) && feed) {
      feed.stop();
      feed = undefined;
      indicator.set('stopped', 'the task is finished');
      if (!finalOutputRead) setTimeout(() => void followOutput(), 100);
    }
  });

  /** @param {import('./api.js').Task} task */
  function show(task) {
    heading.textContent = taskName(task);
    document.title = `${taskName(task)} · Taskforce`;
    replace(crumbs, h('a', {href: '#/'}, 'Sessions'), ' / ',
        h('a', {href: `#/sessions/${encodeURIComponent(task.sessionId)}`}, task.sessionId), ' / ', task.id);
    /** @type {[string, string | Node][]} */
    const rows = [
      ['Id', task.id], ['Session', task.sessionId], ['Executor', task.executor], ['Priority', String(task.priority)],
      ['Created', when(task.createdAt)], ['Started', when(task.startedAt)], ['Finished', when(task.finishedAt)],
    ];
    if (task.labels && Object.keys(task.labels).length > 0) {
      rows.push(['Labels', Object.entries(task.labels).map(([k, v]) => `${k}=${v}`).join(', ')]);
    }
    if (task.context !== undefined && task.context !== null) rows.push(['Context', h('pre', {}, pretty(task.context))]);
    replace(facts, rows.map(([name, value]) => h('div', {}, h('dt', {}, name), h('dd', {}, value))));
    if (task.status === 'completed') {
      outcome.hidden = false;
      replace(outcome, h('h2', {id: 'outcome-heading'}, 'Result'),
          h('pre', {class: 'result', tabindex: 0}, pretty(task.result ?? null)));
    } else if (task.status === 'failed' && task.error) {
      outcome.hidden = false;
      replace(outcome, h('h2', {id: 'outcome-heading'}, 'Error'),
          h('p', {class: 'error-text'}, h('strong', {}, task.error.type), ': ', task.error.message));
    } else if (task.status === 'cancelled') {
      outcome.hidden = false;
      replace(outcome, h('h2', {id: 'outcome-heading'}, 'Cancelled'), h('p', {}, 'The task was cancelled.'));
    } else {
      outcome.hidden = true;
    }
  }

  let outputBusy = false;

  /** Reads the output after `offset`, and again every second until the task is finished. */
  async function followOutput() {
    if (outputBusy || stopped) return;
    outputBusy = true;
    clearTimeout(outputTimer);
    const finished = FINAL.has(store.tasks.get(tid)?.status ?? '');
    try {
      for (;;) {
        const chunk = await api.output(tid, offset);
        if (stopped) return;
        if (chunk.truncated) outputNote.textContent = 'Earlier output is gone: the server keeps only a tail.';
        if (chunk.data) appendOutput(chunk.data);
        const moved = chunk.nextOffset !== offset;
        offset = chunk.nextOffset;
        if (!moved || !chunk.data) break;
      }
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 404)) return;
    } finally {
      outputBusy = false;
      output.dataset.empty = String(output.textContent === '');
    }
    if (stopped) return;
    if (finished) {
      finalOutputRead = true;
      return;
    }
    outputTimer = setTimeout(followOutput, OUTPUT_POLL_MS);
  }

  /** @param {string} data */
  function appendOutput(data) {
    const atBottom = output.scrollHeight - output.scrollTop - output.clientHeight < 24;
    let text = (output.textContent ?? '') + data;
    if (text.length > OUTPUT_KEEP_CHARS) text = text.slice(text.length - OUTPUT_KEEP_CHARS);
    output.textContent = text;
    if (atBottom) output.scrollTop = output.scrollHeight;
  }

  async function start() {
    /** @type {import('./api.js').Task} */
    let task;
    try {
      task = await api.task(tid);
    } catch (error) {
      indicator.set('stopped');
      if (error instanceof ApiError && error.status === 404) {
        replace(cardSlot, h('p', {class: 'empty'}, `There is no task ${tid}.`));
      } else if (!(error instanceof ApiError && error.status === 401)) {
        replace(cardSlot, h('p', {class: 'action-error'}, `Could not load the task: ${String(error)}`));
      }
      return;
    }
    if (stopped) return;
    store.put(task);
    void followOutput();
    if (FINAL.has(task.status)) {
      indicator.set('stopped', 'the task is finished');
      return;
    }
    const session = await api.session(task.sessionId);
    if (stopped) return;
    // A change between the first read and this cursor would be missed: one more read once the
    // feed is open closes that gap.
    feed = new Feed(task.sessionId, session.lastEventSeq, {
      onEvent: (event) => {
        if (event.taskId === tid) store.apply(event);
      },
      onState: (state, detail) => indicator.set(state, detail),
      onTruncated: async () => {
        const fresh = await api.session(task.sessionId);
        await store.refresh(tid);
        return fresh.lastEventSeq;
      },
      onGone: () => {},
    });
    void store.refresh(tid);
  }

  void start();
  return () => {
    stopped = true;
    feed?.stop();
    clearInterval(ticker);
    clearTimeout(outputTimer);
  };
}
