// The sessions list: each session with its task counts, refreshed every few seconds.

import {api, ApiError} from './api.js';
import {dispatchForm} from './dispatch.js';
import {h, replace, when} from './dom.js';

const REFRESH_MS = 3000;

/** The counts, in the order they are shown, with their words. */
export const COUNTS = /** @type {const} */ ([
  ['running', 'running'], ['pending', 'pending'], ['paused', 'paused'], ['input_required', 'need input'],
  ['completed', 'completed'], ['failed', 'failed'], ['cancelled', 'cancelled'],
]);

/** @param {import('./api.js').Counts} counts */
export function countList(counts) {
  return h('ul', {class: 'counts', 'aria-label': 'Tasks by status'},
      COUNTS.map(([key, label]) => h('li', {class: `count count-${key}${counts[key] ? '' : ' zero'}`, 'data-count': key},
          h('span', {class: 'count-n'}, counts[key] ?? 0), ' ', label)));
}

/**
 * @param {HTMLElement} main
 * @returns {() => void} what stops the view
 */
export function sessionsView(main) {
  const list = h('div', {class: 'session-list', 'aria-live': 'off'});
  const status = h('p', {class: 'updated', role: 'status'});
  const refresh = h('button', {type: 'button', onclick: () => void load()}, 'Refresh');
  replace(main,
      h('div', {class: 'page-head'},
          h('h1', {tabindex: -1}, 'Sessions'),
          h('div', {class: 'page-tools'}, status, refresh)),
      list,
      h('section', {class: 'panel'},
          dispatchForm({
            onDispatched: (task) => { location.hash = `#/sessions/${encodeURIComponent(task.sessionId)}`; },
          })));

  let stopped = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  async function load() {
    clearTimeout(timer);
    try {
      const page = await api.sessions(100);
      if (stopped) return;
      render(page.items, page.nextCursor !== undefined);
      status.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      if (stopped) return;
      if (error instanceof ApiError && error.status === 401) return;
      status.textContent = `Could not load the sessions: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (!stopped) timer = setTimeout(load, REFRESH_MS);
  }

  /**
   * @param {import('./api.js').Session[]} sessions
   * @param {boolean} more
   */
  function render(sessions, more) {
    if (sessions.length === 0) {
      replace(list, h('p', {class: 'empty'},
          'No sessions yet. Dispatch a task below, or with ', h('code', {}, './taskforce dispatch'), '.'));
      return;
    }
    replace(list,
        h('ul', {class: 'sessions'}, sessions.map((session) => h('li', {class: 'session', 'data-session-id': session.id},
            h('div', {class: 'session-head'},
                h('a', {href: `#/sessions/${encodeURIComponent(session.id)}`, class: 'session-link'},
                    session.title || session.id),
                session.title ? h('span', {class: 'muted'}, session.id) : null,
                h('span', {class: `session-status session-${session.status}`}, session.status)),
            countList(session.counts),
            h('p', {class: 'muted small'}, 'created ', when(session.createdAt))))),
        more ? h('p', {class: 'muted'}, 'Showing the newest 100 sessions.') : null);
  }

  void load();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
