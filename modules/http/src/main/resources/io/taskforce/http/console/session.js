// One session: its counts, its tasks as cards kept live by the session's feed, and the dispatch form.

import {api, ApiError, FINAL} from './api.js';
import {dispatchForm} from './dispatch.js';
import {announce, h, replace, when} from './dom.js';
import {Feed} from './feed.js';
import {countList} from './sessions.js';
import {TaskCard, TaskStore, taskName} from './tasks.js';

/** Lists lag the truth by up to about a second: a second look after this long finds what the first missed. */
const RELIST_MS = 1500;

/** @type {Record<import('./feed.js').FeedState, string>} */
export const FEED_WORDS = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  stopped: 'Not following',
};

/**
 * The feed indicator: a status region that says whether the view is live.
 * @returns {{element: HTMLElement, set: (state: import('./feed.js').FeedState, detail?: string) => void}}
 */
export function feedIndicator() {
  const element = h('p', {class: 'feed-state', role: 'status', 'data-feed-state': 'connecting'}, FEED_WORDS.connecting);
  return {
    element,
    set(state, detail) {
      element.dataset.feedState = state;
      element.textContent = FEED_WORDS[state] + (state === 'stopped' && detail ? `: ${detail}` : '');
    },
  };
}

/**
 * @param {HTMLElement} main
 * @param {string} sid
 * @returns {() => void} what stops the view
 */
export function sessionView(main, sid) {
  const heading = h('h1', {tabindex: -1}, sid);
  const indicator = feedIndicator();
  const summary = h('div', {class: 'session-summary'});
  const list = h('div', {class: 'task-list'});
  const empty = h('p', {class: 'empty'}, 'No tasks in this session yet.');
  // Closing cancels every unfinished task of the session: it takes a second, explicit step.
  const closeConfirm = h('div', {class: 'confirm', hidden: true, role: 'group', 'aria-label': 'Close the session?'},
      h('span', {}, 'Close it? Its unfinished tasks are cancelled.'),
      h('button', {type: 'button', class: 'danger', onclick: () => void closeSession()}, 'Close and cancel'),
      h('button', {type: 'button', onclick: () => toggleConfirm(false)}, 'Keep open'));
  const closeButton = h('button', {type: 'button', onclick: () => toggleConfirm(true)}, 'Close session…');
  const closeError = h('p', {class: 'action-error', role: 'alert'});
  /** @param {boolean} open */
  function toggleConfirm(open) {
    closeConfirm.hidden = !open;
    closeButton.hidden = open;
    (open ? /** @type {HTMLElement} */ (closeConfirm.querySelector('button')) : closeButton).focus();
  }
  replace(main,
      h('nav', {class: 'crumbs', 'aria-label': 'Breadcrumb'}, h('a', {href: '#/'}, 'Sessions'), ' / ', sid),
      h('div', {class: 'page-head'}, heading, h('div', {class: 'page-tools'}, indicator.element, closeButton, closeConfirm)),
      summary, closeError,
      h('section', {'aria-labelledby': 'tasks-heading'}, h('h2', {id: 'tasks-heading'}, 'Tasks'), empty, list),
      h('section', {class: 'panel'}, dispatchForm({sessionId: sid, onDispatched: (task) => store.addFromList([task])})));

  /** @type {Map<string, TaskCard>} */
  const cards = new Map();
  const store = new TaskStore((task, change) => {
    let card = cards.get(task.id);
    if (!card) {
      card = new TaskCard(task, store);
      cards.set(task.id, card);
      placeCard(card, task);
      empty.hidden = true;
    } else if (change === 'progress') {
      card.progress(task);
    } else {
      const before = card.task.status;
      card.update(task);
      if (before !== task.status && FINAL.has(task.status)) announce(`${taskName(task)} ${task.status}`);
    }
    if (change !== 'progress') scheduleSummary();
  });

  /** Newest first, as the API lists them. @param {TaskCard} card @param {import('./api.js').Task} task */
  function placeCard(card, task) {
    const later = [...list.children].find((el) => {
      const other = cards.get(/** @type {HTMLElement} */ (el).dataset.taskId ?? '');
      return other !== undefined && other.task.createdAt < task.createdAt;
    });
    list.insertBefore(card.element, later ?? null);
  }

  let stopped = false;
  /** @type {Feed | undefined} */
  let feed;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let summaryTimer;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let relistTimer;
  const ticker = setInterval(() => {
    const now = Date.now();
    for (const card of cards.values()) if (!FINAL.has(card.task.status)) card.tick(now);
  }, 1000);

  /** @param {import('./api.js').Session} session */
  function showSession(session) {
    heading.textContent = session.title || session.id;
    document.title = `${session.title || session.id} · Taskforce`;
    if (session.status !== 'active') closeConfirm.hidden = true;
    closeButton.hidden = session.status !== 'active' || !closeConfirm.hidden;
    replace(summary,
        h('p', {class: 'muted'},
            session.title ? `${session.id} · ` : '', `${session.status} · created ${when(session.createdAt)}`,
            ` · at most ${session.maxConcurrentTasks} running at once`),
        countList(session.counts));
  }

  function scheduleSummary() {
    clearTimeout(summaryTimer);
    summaryTimer = setTimeout(async () => {
      try {
        if (!stopped) showSession(await api.session(sid));
      } catch {
        // the next change tries again
      }
    }, 300);
  }

  async function relist() {
    const page = await api.tasks(sid);
    if (!stopped) store.addFromList(page.items);
  }

  async function start() {
    /** @type {import('./api.js').Session} */
    let session;
    try {
      session = await api.session(sid);
    } catch (error) {
      indicator.set('stopped');
      if (error instanceof ApiError && error.status === 404) {
        replace(summary, h('p', {class: 'empty'}, `There is no session ${sid}. Dispatch a task to create it.`));
      } else if (!(error instanceof ApiError && error.status === 401)) {
        replace(summary, h('p', {class: 'action-error'}, `Could not load the session: ${String(error)}`));
      }
      return;
    }
    if (stopped) return;
    showSession(session);
    // The cursor is taken before the list is read, so no change falls between the two.
    const after = session.lastEventSeq;
    await relist();
    if (stopped) return;
    feed = new Feed(sid, after, {
      onEvent: (event) => store.apply(event),
      onState: (state, detail) => indicator.set(state, detail),
      onTruncated: async () => {
        const fresh = await api.session(sid);
        await relist();
        for (const task of store.tasks.values()) if (!FINAL.has(task.status)) void store.refresh(task.id);
        return fresh.lastEventSeq;
      },
      onGone: (status, detail) => replace(closeError, `The feed stopped (${status}): ${detail}`),
    });
    relistTimer = setTimeout(() => void relist().catch(() => {}), RELIST_MS);
  }

  async function closeSession() {
    closeError.textContent = '';
    try {
      showSession(await api.closeSession(sid));
      closeConfirm.hidden = true;
      announce(`Session ${sid} closed`);
    } catch (error) {
      closeError.textContent = `Could not close the session: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  void start();
  return () => {
    stopped = true;
    feed?.stop();
    clearInterval(ticker);
    clearTimeout(summaryTimer);
    clearTimeout(relistTimer);
  };
}
