// The form that dispatches a `process` task: a shell script (bash -c) or a program with its
// arguments, one per line.

import {api} from './api.js';
import {announce, h} from './dom.js';

const ID_PATTERN = '[A-Za-z0-9][A-Za-z0-9._:\\-]{0,127}';

/**
 * @param {{sessionId?: string, onDispatched: (task: import('./api.js').Task) => void}} options
 * @returns {HTMLFormElement}
 */
export function dispatchForm({sessionId, onDispatched}) {
  const field = (/** @type {string} */ id, /** @type {string} */ label, /** @type {HTMLElement} */ control,
      /** @type {string} */ hint = '') => h('div', {class: 'field'},
      h('label', {for: id}, label), control, hint ? h('p', {class: 'hint', id: `${id}-hint`}, hint) : null);

  const session = h('input', {
    id: 'dispatch-session', name: 'session', required: true, pattern: ID_PATTERN, value: sessionId ?? 'console',
    autocomplete: 'off', 'aria-describedby': 'dispatch-session-hint',
  });
  const title = h('input', {id: 'dispatch-title', name: 'title', autocomplete: 'off'});
  const command = h('textarea', {
    id: 'dispatch-command', name: 'command', required: true, rows: 4, spellcheck: 'false',
    'aria-describedby': 'dispatch-command-hint',
  });
  const shell = h('input', {type: 'radio', id: 'dispatch-mode-shell', name: 'mode', value: 'shell', checked: true});
  const argv = h('input', {type: 'radio', id: 'dispatch-mode-argv', name: 'mode', value: 'argv'});
  const cwd = h('input', {id: 'dispatch-cwd', name: 'cwd', autocomplete: 'off', placeholder: 'the server\'s own'});
  const priority = h('input', {id: 'dispatch-priority', name: 'priority', type: 'number', value: 0, step: 1});
  const timeout = h('input', {id: 'dispatch-timeout', name: 'timeout', type: 'number', min: 1, step: 1, placeholder: 'none'});
  const attempts = h('input', {id: 'dispatch-attempts', name: 'attempts', type: 'number', min: 1, max: 100, value: 1, step: 1});
  const error = h('p', {class: 'form-error', role: 'alert', id: 'dispatch-error'});
  const submit = h('button', {type: 'submit', class: 'primary'}, 'Dispatch');

  const form = h('form', {class: 'dispatch', 'aria-labelledby': 'dispatch-heading', novalidate: false},
      h('h2', {id: 'dispatch-heading'}, 'Dispatch a process task'),
      h('div', {class: 'grid'},
          sessionId ? null : field('dispatch-session', 'Session', session,
              'An existing session, or a new one to create (letters, digits, . _ : -).'),
          field('dispatch-title', 'Title', title)),
      field('dispatch-command', 'Command', command,
          'Each line it prints becomes the progress message; "::progress 40 text" sets the percent, '
          + '"::ask question" asks for an answer, which arrives on its standard input.'),
      h('fieldset', {class: 'mode'},
          h('legend', {}, 'Run the command as'),
          h('label', {for: 'dispatch-mode-shell'}, shell, ' a bash script (bash -c)'),
          h('label', {for: 'dispatch-mode-argv'}, argv, ' a program and its arguments, one per line')),
      h('details', {class: 'more'},
          h('summary', {}, 'More options'),
          h('div', {class: 'grid'},
              field('dispatch-cwd', 'Working directory', cwd),
              field('dispatch-priority', 'Priority', priority),
              field('dispatch-timeout', 'Timeout (seconds)', timeout),
              field('dispatch-attempts', 'Attempts at most', attempts))),
      h('div', {class: 'form-actions'}, submit),
      error);

  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    error.textContent = '';
    if (!form.reportValidity()) return;
    const text = command.value;
    const commandLine = argv.checked
      ? text.split('\n').map((line) => line.trim()).filter((line) => line !== '')
      : ['bash', '-c', text];
    if (commandLine.length === 0) {
      error.textContent = 'The command is empty.';
      command.focus();
      return;
    }
    /** @type {Record<string, unknown>} */
    const input = {command: commandLine};
    if (cwd.value.trim()) input.cwd = cwd.value.trim();
    /** @type {Record<string, unknown>} */
    const spec = {executor: 'process', input};
    if (title.value.trim()) spec.title = title.value.trim();
    if (priority.value !== '' && Number(priority.value) !== 0) spec.priority = Number(priority.value);
    if (timeout.value !== '') spec.timeoutSeconds = Number(timeout.value);
    if (attempts.value !== '' && Number(attempts.value) !== 1) spec.maxAttempts = Number(attempts.value);
    const sid = sessionId ?? session.value.trim();
    busy = true;
    submit.setAttribute('aria-disabled', 'true');
    submit.textContent = 'Dispatching…';
    try {
      const task = await api.dispatch(sid, spec);
      announce(`Dispatched ${task.title || task.id}`);
      title.value = '';
      command.value = '';
      onDispatched(task);
    } catch (e) {
      error.textContent = `Not dispatched: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      busy = false;
      submit.removeAttribute('aria-disabled');
      submit.textContent = 'Dispatch';
    }
  });
  return form;
}
