// What the console knows of a session's tasks, kept current from the feed, and the card that shows
// one task with its controls.

import {api, ApiError, FINAL} from './api.js';
import {announce, badge, elapsed, h, setBadge} from './dom.js';

/** @typedef {import('./api.js').Task} Task */
/** @typedef {import('./feed.js').FeedEvent} FeedEvent */

/**
 * The tasks by id. A GET of one task is always current, a list may lag by about a second, and the
 * feed tells of every change: so a list only adds tasks the store does not know yet, each durable
 * event is applied at once and then confirmed by a GET, and an answer older than the latest event
 * of its task is dropped.
 */
export class TaskStore {
  /** @param {(task: Task, change: 'added' | 'updated' | 'progress') => void} onChange */
  constructor(onChange) {
    /** @type {Map<string, Task>} */
    this.tasks = new Map();
    /** Durable events seen per task: a GET issued before the latest one is stale. @type {Map<string, number>} */
    this.generation = new Map();
    this.onChange = onChange;
  }

  /** @param {Task[]} items */
  addFromList(items) {
    for (const task of items) {
      if (this.tasks.has(task.id)) continue;
      this.put(task);
      if (!FINAL.has(task.status)) void this.refresh(task.id);
    }
  }

  /** @param {Task} task */
  put(task) {
    const known = this.tasks.has(task.id);
    this.tasks.set(task.id, task);
    this.onChange(task, known ? 'updated' : 'added');
  }

  /**
   * Takes `task` (an answer of the API) unless a durable event of it arrived since `generation`.
   * @param {Task} task
   * @param {number} generation
   */
  accept(task, generation) {
    if ((this.generation.get(task.id) ?? 0) !== generation) return;
    this.put(task);
  }

  /** @param {string} tid */
  generationOf(tid) {
    return this.generation.get(tid) ?? 0;
  }

  /** Reads one task now. @param {string} tid */
  async refresh(tid) {
    const generation = this.generationOf(tid);
    try {
      this.accept(await api.task(tid), generation);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) console.warn('could not read task', tid, error);
    }
  }

  /** @param {FeedEvent} event */
  apply(event) {
    const task = this.tasks.get(event.taskId);
    if (event.type === 'task.progress') {
      if (!task) {
        void this.refresh(event.taskId);
      } else if (!FINAL.has(task.status) && event.progress) {
        task.progress = event.progress;
        this.onChange(task, 'progress');
      }
      return;
    }
    this.generation.set(event.taskId, this.generationOf(event.taskId) + 1);
    if (task) {
      // Shown at once from the event itself; the GET below adds what events do not carry.
      task.status = event.status;
      if (event.progress) task.progress = event.progress;
      if (event.question !== undefined) task.question = event.question;
      else if (event.status !== 'input_required' && event.status !== 'paused') delete task.question;
      if (event.result !== undefined) task.result = event.result;
      if (event.error !== undefined) task.error = event.error;
      if (FINAL.has(event.status) && !task.finishedAt) task.finishedAt = event.at;
      if (event.type === 'task.started' && !task.startedAt) task.startedAt = event.at;
      this.onChange(task, 'updated');
    }
    void this.refresh(event.taskId);
  }
}

/** The label a task is known by: its title, or its id. @param {Task} task */
export function taskName(task) {
  return task.title || task.id;
}

/**
 * One task: status badge, progress bar with percent and message, elapsed time, attempt, its
 * controls (pause, resume, cancel) and, while it asks, the answer box. Updated in place, so focus
 * and a half-typed answer survive every update.
 */
export class TaskCard {
  /**
   * @param {Task} task
   * @param {TaskStore} store
   * @param {{heading?: 'h2' | 'h3', link?: boolean, label?: string}} [options]
   */
  constructor(task, store, options = {}) {
    this.store = store;
    this.task = task;
    this.busy = false;
    this.label = options.label;
    const id = task.id;
    const safe = id.replace(/[^A-Za-z0-9_-]/g, '_');
    const Heading = options.heading ?? 'h3';
    this.title = options.link === false ? h('span', {}) : h('a', {href: `#/tasks/${encodeURIComponent(id)}`});
    this.badge = badge(task.status);
    this.bar = h('progress', {max: 100, id: `progress-${safe}`});
    this.percent = h('span', {class: 'percent'});
    this.message = h('p', {class: 'message'});
    this.elapsed = h('dd', {class: 'elapsed'});
    this.attempt = h('dd', {class: 'attempt'});
    this.error = h('p', {class: 'action-error', role: 'alert'});
    this.questionText = h('span', {class: 'question-text'});
    this.answerInput = h('input', {
      type: 'text', id: `answer-${safe}`, name: 'answer', autocomplete: 'off', required: true,
    });
    this.answerForm = h('form', {class: 'answer', 'aria-label': `Answer the question of ${taskName(task)}`},
        h('label', {for: `answer-${safe}`}, h('span', {class: 'question-label'}, 'Question: '), this.questionText),
        h('div', {class: 'answer-row'}, this.answerInput, h('button', {type: 'submit', class: 'primary'}, 'Answer')));
    this.answerForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.act('answer', () => api.answer(id, this.answerInput.value), () => {
        this.answerInput.value = '';
      });
    });
    this.buttons = {
      pause: h('button', {type: 'button', onclick: () => void this.act('pause', () => api.pause(id))}, 'Pause'),
      resume: h('button', {type: 'button', onclick: () => void this.act('resume', () => api.resume(id))}, 'Resume'),
      cancel: h('button', {type: 'button', class: 'danger', onclick: () => void this.act('cancel', () => api.cancel(id))},
          'Cancel'),
    };
    this.element = h('article', {class: 'task', 'data-task-id': id, 'aria-labelledby': `title-${safe}`},
        h('header', {class: 'task-head'},
            h(Heading, {class: 'task-title', id: `title-${safe}`}, this.title),
            this.badge),
        h('div', {class: 'progress-row'},
            h('label', {class: 'visually-hidden', for: `progress-${safe}`}, 'Progress'),
            this.bar, this.percent),
        this.message,
        h('dl', {class: 'facts'},
            h('div', {}, h('dt', {}, 'Elapsed'), this.elapsed),
            h('div', {}, h('dt', {}, 'Attempt'), this.attempt),
            h('div', {}, h('dt', {}, 'Id'), h('dd', {class: 'task-id'}, id))),
        this.answerForm,
        h('div', {class: 'actions', role: 'group', 'aria-label': `Controls of ${taskName(task)}`},
            this.buttons.pause, this.buttons.resume, this.buttons.cancel),
        this.error);
    this.update(task);
  }

  /** @param {Task} task */
  update(task) {
    this.task = task;
    const status = task.status;
    this.title.textContent = this.label ?? taskName(task);
    setBadge(this.badge, status);
    this.element.dataset.status = status;
    const percent = task.progress?.percent;
    if (typeof percent === 'number') {
      this.bar.value = percent;
      this.percent.textContent = `${percent}%`;
    } else if (status === 'running') {
      this.bar.removeAttribute('value'); // indeterminate: running, no percent reported
      this.percent.textContent = '—';
    } else {
      this.bar.value = status === 'completed' ? 100 : 0;
      this.percent.textContent = status === 'completed' ? '100%' : '—';
    }
    this.element.dataset.percent = typeof percent === 'number' ? String(percent) : '';
    this.message.textContent = task.progress?.message ?? (status === 'pending' ? 'waiting for a slot' : '');
    this.tick(Date.now());
    const max = task.maxAttempts;
    this.attempt.textContent = task.attempt === 0 ? 'not started' : max ? `${task.attempt} of ${max}` : String(task.attempt);
    const asking = status === 'input_required' && typeof task.question === 'string';
    this.answerForm.hidden = !asking;
    this.questionText.textContent = asking ? task.question ?? '' : '';
    this.buttons.pause.hidden = !['pending', 'running', 'input_required'].includes(status);
    this.buttons.resume.hidden = status !== 'paused';
    this.buttons.cancel.hidden = FINAL.has(status);
    this.buttons.pause.setAttribute('aria-label', `Pause ${taskName(task)}`);
    this.buttons.resume.setAttribute('aria-label', `Resume ${taskName(task)}`);
    this.buttons.cancel.setAttribute('aria-label', `Cancel ${taskName(task)}`);
    this.keepFocus();
  }

  /** Only the progress changed (a live tick). @param {Task} task */
  progress(task) {
    this.update(task);
  }

  /** @param {number} now */
  tick(now) {
    this.elapsed.textContent = elapsed(this.task, now);
  }

  /**
   * Runs an action; its answer (the task after the transition) is shown at once.
   * @param {string} name
   * @param {() => Promise<Task>} request
   * @param {() => void} [then]
   */
  async act(name, request, then) {
    if (this.busy) return;
    const generation = this.store.generationOf(this.task.id);
    const hadFocus = this.element.contains(document.activeElement);
    this.error.textContent = '';
    this.setBusy(true);
    try {
      const task = await request();
      then?.();
      this.store.accept(task, generation);
      announce(`${taskName(task)}: ${task.status.replace('_', ' ')}`);
    } catch (error) {
      this.error.textContent = `Could not ${name}: ${error instanceof Error ? error.message : String(error)}`;
      void this.store.refresh(this.task.id);
    } finally {
      this.setBusy(false);
      if (hadFocus) this.keepFocus(true);
    }
  }

  /**
   * While an action is under way the controls say so and ignore clicks; they are not disabled,
   * which would take the keyboard focus away from them.
   * @param {boolean} busy
   */
  setBusy(busy) {
    this.busy = busy;
    this.element.setAttribute('aria-busy', String(busy));
    for (const button of this.element.querySelectorAll('button')) button.setAttribute('aria-disabled', String(busy));
  }

  /** When the focused control was just hidden (Pause became Resume), focus moves to its successor. */
  keepFocus(lost = false) {
    const active = document.activeElement;
    const inside = active instanceof HTMLElement && this.element.contains(active);
    if (!inside && !(lost && (active === document.body || active === null))) return;
    if (inside && !active.hidden && !active.closest('[hidden]')) return;
    const next = [...this.element.querySelectorAll('button, input')]
        .find((el) => el instanceof HTMLElement && !el.hidden && !el.closest('[hidden]'));
    if (next instanceof HTMLElement) next.focus();
  }
}
