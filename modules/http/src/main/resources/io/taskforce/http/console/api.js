// The API v1 client: the bearer token (kept in sessionStorage), JSON requests and problem answers.

const TOKEN_KEY = 'taskforce.token';

/**
 * @typedef {{percent: number | null, message: string, updatedAt?: string}} Progress
 * @typedef {{type: string, message: string}} TaskError
 * @typedef {{
 *   id: string, sessionId: string, title: string, executor: string, status: string,
 *   question?: string, progress?: Progress, attempt: number, maxAttempts?: number, priority: number,
 *   labels?: Record<string, string>, context?: unknown, createdAt: string, startedAt?: string,
 *   finishedAt?: string, result?: unknown, error?: TaskError
 * }} Task
 * @typedef {{pending: number, running: number, paused: number, input_required: number,
 *   completed: number, failed: number, cancelled: number}} Counts
 * @typedef {{id: string, title: string, status: string, createdAt: string, maxConcurrentTasks: number,
 *   counts: Counts, lastEventSeq: number, ackedEventSeq: number, metadata?: unknown}} Session
 * @typedef {{offset: number, nextOffset: number, data: string, truncated: boolean}} OutputChunk
 */

/**
 * @template T
 * @typedef {{items: T[], nextCursor?: string}} Page
 */

/** The statuses after which a task never changes again. */
export const FINAL = new Set(['completed', 'failed', 'cancelled']);

/** An answer other than 2xx, with the problem+json the server sent (RFC 9457). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {{type?: string, title?: string, detail?: string, field?: string}} problem
   */
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/**
 * Takes the token from a `#token=...` link once: it is kept in sessionStorage and removed from the
 * address (and so from the history), so it is never bookmarked, shared or shown again.
 */
export function adoptTokenFromLink() {
  const fragment = location.hash.startsWith('#') ? location.hash.slice(1) : '';
  if (!fragment.startsWith('token=')) return;
  const token = new URLSearchParams(fragment).get('token');
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  history.replaceState(null, '', location.pathname + location.search + '#/');
}

/**
 * Whether the server accepts `candidate` (a cheap authenticated read); throws when it cannot be asked.
 * @param {string} candidate
 */
export async function accepts(candidate) {
  const response = await fetch('/v1/sessions?limit=1', {
    headers: {Authorization: `Bearer ${candidate}`, Accept: 'application/json'}, cache: 'no-store',
  });
  await response.body?.cancel();
  if (response.status === 401) return false;
  if (!response.ok) throw new Error(`the server answered ${response.status}`);
  return true;
}

/**
 * What this server's console offers beyond the API (`/console/features.json`, no token needed);
 * nothing extra when it cannot be read.
 * @returns {Promise<{cluster: boolean}>}
 */
export async function features() {
  try {
    const response = await fetch('/console/features.json', {headers: {Accept: 'application/json'}, cache: 'no-store'});
    if (!response.ok) return {cluster: false};
    const json = await response.json();
    return {cluster: json?.cluster === true};
  } catch {
    return {cluster: false};
  }
}

/** @returns {string | null} */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** @param {string} value */
export function signIn(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Called when the server refuses the token (401): the app shows the sign-in form. */
let onUnauthorized = () => {};

/** @param {() => void} handler */
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

/** Tells the app that the server refused the token. */
export function unauthorized() {
  onUnauthorized();
}

/** The headers every API call carries. @returns {Record<string, string>} */
export function authHeaders() {
  return {Authorization: `Bearer ${token() ?? ''}`};
}

/**
 * One API call: JSON in, JSON out; any other status than 2xx throws an {@link ApiError}.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function call(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = {...authHeaders(), Accept: 'application/json'};
  /** @type {RequestInit} */
  const init = {method, headers, cache: 'no-store'};
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  /** @type {any} */
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = {detail: text};
  }
  if (!response.ok) {
    if (response.status === 401) unauthorized();
    throw new ApiError(response.status, json ?? {});
  }
  return json;
}

const enc = encodeURIComponent;

export const api = {
  /** @returns {Promise<Page<Session>>} */
  sessions: (limit = 100) => call('GET', `/v1/sessions?limit=${limit}`),
  /** @param {string} sid @returns {Promise<Session>} */
  session: (sid) => call('GET', `/v1/sessions/${enc(sid)}`),
  /** @param {string} sid @returns {Promise<Session>} */
  closeSession: (sid) => call('DELETE', `/v1/sessions/${enc(sid)}`),
  /** @param {string} sid @returns {Promise<Page<Task>>} */
  tasks: (sid, limit = 200) => call('GET', `/v1/sessions/${enc(sid)}/tasks?limit=${limit}`),
  /** @param {string} tid @returns {Promise<Task>} */
  task: (tid) => call('GET', `/v1/tasks/${enc(tid)}`),
  /** @param {string} tid @param {number} offset @returns {Promise<OutputChunk>} */
  output: (tid, offset) => call('GET', `/v1/tasks/${enc(tid)}/output?offset=${offset}`),
  /** @param {string} sid @param {object} spec @returns {Promise<Task>} */
  dispatch: (sid, spec) => call('POST', `/v1/sessions/${enc(sid)}/tasks`, spec),
  /** @param {string} tid @returns {Promise<Task>} */
  pause: (tid) => call('POST', `/v1/tasks/${enc(tid)}/pause`),
  /** @param {string} tid @returns {Promise<Task>} */
  resume: (tid) => call('POST', `/v1/tasks/${enc(tid)}/resume`),
  /** @param {string} tid @returns {Promise<Task>} */
  cancel: (tid) => call('POST', `/v1/tasks/${enc(tid)}/cancel`),
  /** @param {string} tid @param {string} text @returns {Promise<Task>} */
  answer: (tid, text) => call('POST', `/v1/tasks/${enc(tid)}/input`, {text}),
};
