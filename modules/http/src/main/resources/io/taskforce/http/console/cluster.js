// The cluster view for operators (#/cluster): every node with its running attempts, slots and
// queued attempts, read from /console/api/nodes with the operator credentials (HTTP basic, the
// management routes' own), refreshed every few seconds. The credentials are asked for here and
// kept in sessionStorage only, beside (not instead of) the API token.

import {announce, h, replace} from './dom.js';

const OPERATOR_KEY = 'taskforce.operator';
const REFRESH_MS = 3000;

/**
 * @typedef {{address: string, status: string, roles: string[], reachable: boolean, running?: number,
 *   maxRunning?: number, queued?: number, draining: boolean}} ClusterNode
 * @typedef {{items: ClusterNode[], at: string}} NodesAnswer
 */

/** The server refused the operator credentials (401). */
class Refused extends Error {}

/** Forgets the operator credentials of this tab. */
export function forgetOperator() {
  sessionStorage.removeItem(OPERATOR_KEY);
}

/**
 * `Authorization: Basic` of `user:password`, UTF-8 (btoa alone takes Latin-1 only).
 * @param {string} user
 * @param {string} password
 */
function basic(user, password) {
  let binary = '';
  for (const byte of new TextEncoder().encode(`${user}:${password}`)) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/**
 * One read of the nodes. `credentials: 'omit'` keeps the browser from asking for a password in a
 * dialog of its own when the server answers 401 with its basic challenge.
 * @param {string} authorization
 * @returns {Promise<NodesAnswer>}
 */
async function fetchNodes(authorization) {
  const response = await fetch('/console/api/nodes', {
    headers: {Authorization: authorization, Accept: 'application/json'}, cache: 'no-store', credentials: 'omit',
  });
  const text = await response.text();
  if (response.status === 401) throw new Refused();
  if (!response.ok) {
    /** @type {string | undefined} */
    let detail;
    try {
      detail = JSON.parse(text).detail;
    } catch {
      detail = undefined;
    }
    throw new Error(detail || `the server answered ${response.status}`);
  }
  return JSON.parse(text);
}

/** @param {unknown} error */
function reason(error) {
  return error instanceof Error ? error.message : String(error);
}

/** @param {number | undefined} n */
function number(n) {
  return n === undefined || n === null ? '—' : String(n);
}

/**
 * The sign-in form gives its first field the focus; the nodes' page gives it its heading after a
 * navigation (`focusHeading`) or a sign-in.
 * @param {HTMLElement} main
 * @param {{focusHeading: boolean}} options
 * @returns {() => void} what stops the view
 */
export function clusterView(main, options) {
  document.title = 'Cluster · Taskforce';
  let stopped = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  const stored = sessionStorage.getItem(OPERATOR_KEY);
  if (stored) {
    showNodes(stored, null);
    if (options.focusHeading) main.querySelector('h1')?.focus({preventScroll: true});
  } else {
    signIn('');
  }

  /** @param {string} why shown as an alert above the form when not empty */
  function signIn(why) {
    clearTimeout(timer);
    const user = h('input', {id: 'operator-user', name: 'username', required: true, autocomplete: 'username',
      spellcheck: 'false', autocapitalize: 'none'});
    const password = h('input', {id: 'operator-password', name: 'password', type: 'password', required: true,
      autocomplete: 'current-password', 'aria-describedby': 'operator-hint'});
    const error = h('p', {class: 'form-error', role: 'alert'}, why);
    const form = h('form', {class: 'panel sign-in', 'aria-labelledby': 'cluster-heading', 'data-state': why ? 'refused' : 'signed-out'},
        h('h1', {id: 'cluster-heading', tabindex: -1}, 'Cluster'),
        h('p', {}, 'The cluster view is for operators: sign in with the operator credentials.'),
        h('div', {class: 'field'}, h('label', {for: 'operator-user'}, 'Operator user'), user),
        h('div', {class: 'field'},
            h('label', {for: 'operator-password'}, 'Operator password'),
            password,
            h('p', {class: 'hint', id: 'operator-hint'},
                'The server\'s ', h('code', {}, 'TASKFORCE_ADMIN_USER'), ' and ', h('code', {}, 'TASKFORCE_ADMIN_PASSWORD'),
                ', the same as for the management routes. They are kept in this tab only, until you sign out or close the tab.')),
        h('div', {class: 'form-actions'}, h('button', {type: 'submit', class: 'primary'}, 'Sign in as operator')),
        error);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!form.reportValidity()) return;
      const authorization = basic(user.value.trim(), password.value);
      error.textContent = '';
      try {
        const answer = await fetchNodes(authorization);
        if (stopped) return;
        sessionStorage.setItem(OPERATOR_KEY, authorization);
        showNodes(authorization, answer);
        return;
      } catch (e) {
        if (stopped) return;
        error.textContent = e instanceof Refused
          ? 'The server did not accept these operator credentials.'
          : `Could not reach the server: ${reason(e)}`;
      }
      password.focus();
    });
    replace(main, form);
    (user.value ? password : user).focus();
  }

  /**
   * @param {string} authorization
   * @param {NodesAnswer | null} first an answer already read, shown at once
   */
  function showNodes(authorization, first) {
    const heading = h('h1', {tabindex: -1}, 'Cluster');
    const status = h('p', {class: 'updated', role: 'status'});
    const summary = h('p', {class: 'cluster-summary'});
    const table = h('div', {class: 'node-table'});
    const signOut = h('button', {type: 'button', onclick: () => {
      forgetOperator();
      announce('Signed out as operator.');
      signIn('');
    }}, 'Sign out operator');
    replace(main,
        h('div', {class: 'page-head'},
            heading,
            h('div', {class: 'page-tools'}, status, h('button', {type: 'button', onclick: () => void load()}, 'Refresh'), signOut)),
        summary,
        table);

    async function load() {
      clearTimeout(timer);
      try {
        const answer = await fetchNodes(authorization);
        if (stopped) return;
        render(answer);
      } catch (error) {
        if (stopped) return;
        if (error instanceof Refused) {
          forgetOperator();
          signIn('The server no longer accepts the operator credentials (they may have changed): sign in again.');
          return;
        }
        status.dataset.state = 'error';
        status.textContent = `Could not load the nodes: ${reason(error)}`;
      }
      if (!stopped) timer = setTimeout(load, REFRESH_MS);
    }

    /** @param {NodesAnswer} answer */
    function render(answer) {
      delete status.dataset.state;
      const nodes = answer.items;
      const running = nodes.reduce((sum, node) => sum + (node.running ?? 0), 0);
      const slots = nodes.reduce((sum, node) => sum + (node.maxRunning ?? 0), 0);
      const queued = nodes.reduce((sum, node) => sum + (node.queued ?? 0), 0);
      summary.textContent = `${nodes.length} ${nodes.length === 1 ? 'node' : 'nodes'}: `
        + `${running} of ${slots} slots running, ${queued} queued`;
      replace(table, nodes.length === 0 ? h('p', {class: 'empty'}, 'No node reported its load.') : nodeTable(nodes));
      status.textContent = `Updated ${new Date(answer.at).toLocaleTimeString()}`;
    }

    if (first) {
      render(first);
      announce(`Signed in as operator: ${first.items.length} ${first.items.length === 1 ? 'node' : 'nodes'}.`);
      heading.focus();
      timer = setTimeout(load, REFRESH_MS);
    } else {
      void load();
    }
  }

  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * The nodes as a table; at phone width each row becomes a block of labelled cells, so the roles
 * are set explicitly (a table whose display changes loses them in some browsers).
 * @param {ClusterNode[]} nodes
 */
function nodeTable(nodes) {
  /** @param {string} text @param {string} [cls] */
  const column = (text, cls) => h('th', {scope: 'col', role: 'columnheader', class: cls}, text);
  /** @param {string} label @param {number | undefined} value @param {string} key */
  const count = (label, value, key) => h('td', {role: 'cell', class: 'num', 'data-label': label, 'data-count': key},
      number(value));
  return h('table', {class: 'nodes', role: 'table'},
      h('caption', {class: 'visually-hidden'}, 'Nodes of the cluster, with their attempt slots'),
      h('thead', {role: 'rowgroup'}, h('tr', {role: 'row'},
          column('Node'), column('Status'), column('Roles'),
          column('Running', 'num'), column('Slots', 'num'), column('Queued', 'num'))),
      h('tbody', {role: 'rowgroup'}, nodes.map((node) => h('tr', {
        role: 'row', class: 'node', 'data-address': node.address, 'data-status': node.status,
        'data-reachable': String(node.reachable), 'data-draining': String(node.draining),
      },
      h('th', {scope: 'row', role: 'rowheader', class: 'node-address', 'data-label': 'Node'}, node.address),
      h('td', {role: 'cell', 'data-label': 'Status'},
          h('span', {class: `node-status node-${node.reachable ? node.status : 'unreachable'}`}, node.status),
          node.reachable ? null : h('span', {class: 'node-flag node-flag-danger'}, 'unreachable'),
          node.draining ? h('span', {class: 'node-flag'}, 'draining') : null),
      h('td', {role: 'cell', 'data-label': 'Roles'}, node.roles.length > 0 ? node.roles.join(', ') : '—'),
      count('Running', node.running, 'running'),
      count('Slots', node.maxRunning, 'slots'),
      count('Queued', node.queued, 'queued')))));
}
