// Small DOM helpers: elements are built with text nodes only (never innerHTML), so nothing the
// server or a task sends can become markup.

/**
 * @typedef {Record<string, string | number | boolean | null | undefined | EventListener>} Attrs
 * @typedef {Node | string | number | null | undefined | false} Child
 */

/**
 * Makes an element: `h('button', {class: 'x', onclick: fn}, 'Pause')`. Attributes starting with
 * `on` are listeners; `false`, null and undefined attributes are left out.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

/**
 * @param {Element} parent
 * @param {(Child | Child[])[]} children
 */
export function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'number' ? String(child) : child);
  }
}

/**
 * Replaces the children of `parent`.
 * @param {Element} parent
 * @param {...(Child | Child[])} children
 */
export function replace(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}

/** The words a status is shown with. */
export const STATUS_LABELS = /** @type {Record<string, string>} */ ({
  pending: 'pending',
  running: 'running',
  paused: 'paused',
  input_required: 'needs input',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
});

/** A status badge; `data-status` carries the API's word. @param {string} status */
export function badge(status) {
  const element = h('span', {class: `badge badge-${status}`, 'data-status': status});
  setBadge(element, status);
  return element;
}

/** @param {HTMLElement} element @param {string} status */
export function setBadge(element, status) {
  element.className = `badge badge-${status}`;
  element.dataset.status = status;
  element.textContent = STATUS_LABELS[status] ?? status;
}

/**
 * "1 h 02 min", "3 min 04 s", "12 s".
 * @param {number} ms
 */
export function duration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, '0')} min`;
  if (minutes > 0) return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
  return `${seconds} s`;
}

/**
 * Elapsed time of a task: from its start to its end, or to now while it is unfinished.
 * @param {{startedAt?: string, finishedAt?: string}} task
 * @param {number} now
 */
export function elapsed(task, now) {
  if (!task.startedAt) return 'not started';
  const start = Date.parse(task.startedAt);
  const end = task.finishedAt ? Date.parse(task.finishedAt) : now;
  return duration(end - start);
}

/** A timestamp in the reader's own time zone. @param {string | undefined} iso */
export function when(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return date.toLocaleString(undefined, {dateStyle: 'medium', timeStyle: 'medium'});
}

/** @param {unknown} value */
export function pretty(value) {
  return JSON.stringify(value, null, 2);
}

/** The polite live region that announces what changed to screen readers. @param {string} text */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A fresh text node after a tick, so the same words twice are announced twice.
  setTimeout(() => { region.textContent = text; }, 50);
}
