// A session's event feed, read as Server-Sent Events with fetch(): EventSource cannot send the
// Authorization header the API needs. Reconnects after a drop with Last-Event-ID, so no durable
// event is missed or seen twice.

import {authHeaders, unauthorized} from './api.js';

/**
 * @typedef {{seq?: number, type: string, taskId: string, status: string, at: string, title?: string,
 *   progress?: import('./api.js').Progress, question?: string, result?: unknown,
 *   error?: import('./api.js').TaskError, context?: unknown}} FeedEvent
 * @typedef {'connecting' | 'live' | 'reconnecting' | 'stopped'} FeedState
 * @typedef {{
 *   onEvent: (event: FeedEvent) => void,
 *   onState: (state: FeedState, detail?: string) => void,
 *   onTruncated: () => Promise<number>,
 *   onGone: (status: number, detail: string) => void,
 * }} FeedHandlers
 */

const RETRY_MS = [500, 1000, 2000, 4000, 8000];

/**
 * Follows the feed of session `sid` from after event `after` until {@link Feed.stop}.
 * `onTruncated` (the cursor is older than the feed keeps: 410) re-reads the tasks and answers the
 * seq to follow from.
 */
export class Feed {
  /**
   * @param {string} sid
   * @param {number} after
   * @param {FeedHandlers} handlers
   */
  constructor(sid, after, handlers) {
    this.sid = sid;
    this.lastSeq = after;
    this.handlers = handlers;
    this.controller = new AbortController();
    this.stopped = false;
    this.failures = 0;
    void this.run();
  }

  stop() {
    this.stopped = true;
    this.controller.abort();
    this.handlers.onState('stopped');
  }

  async run() {
    while (!this.stopped) {
      this.handlers.onState(this.failures === 0 ? 'connecting' : 'reconnecting');
      try {
        const outcome = await this.readOnce();
        if (outcome === 'end') return;
      } catch (error) {
        if (this.stopped) return;
        // A network error or a dropped stream: try again after a pause.
        this.failures++;
        this.handlers.onState('reconnecting', error instanceof Error ? error.message : String(error));
      }
      if (this.stopped) return;
      if (this.failures === 0) this.failures = 1;
      await sleep(RETRY_MS[Math.min(this.failures - 1, RETRY_MS.length - 1)], this.controller.signal);
    }
  }

  /** One connection: resolves 'end' when the feed cannot be followed, 'retry' when it dropped. */
  async readOnce() {
    const response = await fetch(`/v1/sessions/${encodeURIComponent(this.sid)}/events`, {
      headers: {...authHeaders(), Accept: 'text/event-stream', 'Last-Event-ID': String(this.lastSeq)},
      cache: 'no-store',
      signal: this.controller.signal,
    });
    if (response.status === 410) {
      await response.body?.cancel();
      this.lastSeq = await this.handlers.onTruncated();
      this.failures = 0;
      return 'retry';
    }
    if (!response.ok || !response.body) {
      const text = await response.text();
      /** @type {string} */
      let detail = text;
      try {
        detail = JSON.parse(text).detail ?? text;
      } catch {
        // not JSON: the text itself
      }
      if (response.status >= 500) throw new Error(detail || `HTTP ${response.status}`);
      this.stopped = true;
      if (response.status === 401) unauthorized();
      this.handlers.onGone(response.status, detail);
      this.handlers.onState('stopped', detail);
      return 'end';
    }
    this.failures = 0;
    this.handlers.onState('live');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser((event) => this.deliver(event));
    for (;;) {
      const {value, done} = await reader.read();
      if (done) break;
      parser.push(value);
    }
    if (this.stopped) return 'end';
    this.failures = 1;
    return 'retry';
  }

  /** @param {{id: string | null, event: string, data: string}} frame */
  deliver(frame) {
    /** @type {FeedEvent} */
    const event = JSON.parse(frame.data);
    if (frame.id !== null) {
      const seq = Number(frame.id);
      if (seq <= this.lastSeq) return; // seen already
      this.lastSeq = seq;
    }
    this.handlers.onEvent(event);
  }
}

/**
 * The event-stream format (the HTML standard's "Server-sent events" parsing), fed chunks of text.
 */
export class SseParser {
  /** @param {(frame: {id: string | null, event: string, data: string}) => void} onFrame */
  constructor(onFrame) {
    this.onFrame = onFrame;
    this.buffer = '';
    /** @type {string[]} */
    this.data = [];
    this.event = '';
    /** @type {string | null} */
    this.id = null;
  }

  /** @param {string} chunk */
  push(chunk) {
    this.buffer += chunk;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  /** @param {string} line */
  line(line) {
    if (line === '') {
      if (this.data.length > 0) {
        this.onFrame({id: this.id, event: this.event || 'message', data: this.data.join('\n')});
      }
      this.data = [];
      this.event = '';
      this.id = null;
      return;
    }
    if (line.startsWith(':')) return; // a comment: connected, keep-alive
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') this.id = value;
  }
}

/**
 * @param {number} ms
 * @param {AbortSignal} signal
 * @returns {Promise<void>}
 */
function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, {once: true});
  });
}
