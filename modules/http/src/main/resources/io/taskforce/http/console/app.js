// The console's entry: signs in with the token, then routes #/, #/sessions/{sid} and #/tasks/{tid};
// #/cluster, the operators' view, has credentials of its own and is there when the server says so.

import {accepts, adoptTokenFromLink, features, setUnauthorizedHandler, signIn, signOut, token} from './api.js';
import {clusterView, forgetOperator} from './cluster.js';
import {h, replace} from './dom.js';
import {sessionView} from './session.js';
import {sessionsView} from './sessions.js';
import {taskView} from './task.js';

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const signOutButton = /** @type {HTMLButtonElement} */ (document.getElementById('sign-out'));
const clusterLink = /** @type {HTMLAnchorElement} */ (document.getElementById('cluster-link'));
/** What this server offers beyond the API (read once, at start). */
const offered = await features();
clusterLink.hidden = !offered.cluster;

/** Stops the view on screen (its feed, its timers). */
let dispose = () => {};
/** The first view of a page load leaves the focus where the browser put it. */
let firstRoute = true;

function route() {
  dispose();
  dispose = () => {};
  const path = location.hash.replace(/^#\/?/, '');
  const [kind, id] = path.split('/').map((part) => decodeURIComponent(part));
  markCurrent(kind === 'cluster' ? clusterLink : null);
  if (kind === 'cluster') {
    // The operators' view needs the operator credentials, not a tenant's token.
    signOutButton.hidden = !token();
    if (offered.cluster) {
      dispose = clusterView(main, {focusHeading: !firstRoute}); // it moves the focus itself
    } else {
      document.title = 'Cluster · Taskforce';
      replace(main, h('div', {class: 'panel'}, h('h1', {tabindex: -1}, 'Cluster'),
          h('p', {}, 'This server has no cluster view: it is there when the server is started with operator credentials (',
              h('code', {}, 'TASKFORCE_ADMIN_USER'), ' and ', h('code', {}, 'TASKFORCE_ADMIN_PASSWORD'), ').')));
      if (!firstRoute) focusHeading();
    }
    firstRoute = false;
    return;
  }
  if (!token()) {
    signInView();
    return;
  }
  signOutButton.hidden = false;
  if (kind === 'sessions' && id) {
    dispose = sessionView(main, id);
  } else if (kind === 'tasks' && id) {
    dispose = taskView(main, id);
  } else {
    document.title = 'Sessions · Taskforce';
    dispose = sessionsView(main);
  }
  if (!firstRoute) focusHeading();
  firstRoute = false;
}

/** The navigation link of the page on screen says so (`aria-current`). @param {HTMLAnchorElement | null} current */
function markCurrent(current) {
  for (const link of document.querySelectorAll('.top nav a')) {
    if (link === current || (!current && link.getAttribute('href') === '#/')) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/** After a route change the page's heading takes the focus, so a screen reader starts there. */
function focusHeading() {
  const heading = main.querySelector('h1');
  if (heading && document.activeElement !== heading) heading.focus({preventScroll: true});
}

/** @param {string} [reason] */
function signInView(reason) {
  document.title = 'Sign in · Taskforce';
  signOutButton.hidden = true;
  const input = h('input', {
    id: 'token', name: 'token', type: 'password', required: true, autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': 'token-hint',
  });
  const error = h('p', {class: 'form-error', role: 'alert'}, reason ?? '');
  const form = h('form', {class: 'panel sign-in', 'aria-labelledby': 'sign-in-heading'},
      h('h1', {id: 'sign-in-heading', tabindex: -1}, 'Sign in'),
      h('div', {class: 'field'},
          h('label', {for: 'token'}, 'API token'),
          input,
          h('p', {class: 'hint', id: 'token-hint'},
              'The server prints a console link that carries the token when it starts on this machine; ',
              'the token of a single node is also in ', h('code', {}, '<data dir>/token'), '. ',
              'It is kept in this tab only, until you sign out or close the tab.')),
      h('div', {class: 'form-actions'}, h('button', {type: 'submit', class: 'primary'}, 'Sign in')),
      error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const candidate = input.value.trim();
    error.textContent = '';
    try {
      if (await accepts(candidate)) {
        signIn(candidate);
        if (!location.hash.startsWith('#/')) history.replaceState(null, '', '#/');
        route();
        return;
      }
      error.textContent = 'The server did not accept that token.';
    } catch (e) {
      error.textContent = `Could not reach the server: ${e instanceof Error ? e.message : String(e)}`;
    }
    input.focus();
  });
  replace(main, form);
  input.focus();
}

setUnauthorizedHandler(() => {
  signOut();
  dispose();
  dispose = () => {};
  signInView('The server did not accept the token (it may have changed): sign in again.');
});

// The skip link moves the focus without touching the address (the router owns the fragment).
document.querySelector('.skip')?.addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

signOutButton.addEventListener('click', () => {
  signOut();
  forgetOperator();
  route();
});

adoptTokenFromLink();
window.addEventListener('hashchange', route);
route();
