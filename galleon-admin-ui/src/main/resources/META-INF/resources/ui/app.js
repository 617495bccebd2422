// The dashboard shell: session, navigation and hash routes. Each page renders into <main> and returns a cleanup.
import { api, setCsrf, whenUnauthorized } from './api.js';
import { flash } from './dom.js';
import { loginPage } from './pages/login.js';
import { overviewPage } from './pages/overview.js';
import { volumesPage } from './pages/volumes.js';
import { volumePage } from './pages/volume.js';
import { nodesPage } from './pages/nodes.js';
import { classesPage } from './pages/classes.js';
import { tokensPage } from './pages/tokens.js';
import { backupsPage } from './pages/backups.js';
import { policiesPage } from './pages/policies.js';
import { qosPage } from './pages/qos.js';
import { auditPage } from './pages/audit.js';

const RANK = { viewer: 0, operator: 1, admin: 2 };
const session = { info: null };
let cleanup = null;

/** What the page may offer; the API enforces the same rule whatever the page shows. */
export function can(role) {
  return session.info !== null && RANK[session.info.role] >= RANK[role];
}

const routes = [
  [/^#\/overview$/, () => overviewPage],
  [/^#\/volumes$/, () => volumesPage],
  [/^#\/volumes\/([^/]+)$/, () => volumePage],
  [/^#\/nodes$/, () => nodesPage],
  [/^#\/classes$/, () => classesPage],
  [/^#\/tokens$/, () => tokensPage],
  [/^#\/backups$/, () => backupsPage],
  [/^#\/policies$/, () => policiesPage],
  [/^#\/qos$/, () => qosPage],
  [/^#\/audit$/, () => auditPage],
];

async function route() {
  if (cleanup) { cleanup(); cleanup = null; }
  const main = document.getElementById('main');
  main.replaceChildren();
  flash('');
  if (!session.info) {
    showChrome(false);
    loginPage(main, loggedIn);
    return;
  }
  showChrome(true);
  let hash = location.hash || '#/overview';
  if (hash === '#/login') hash = '#/overview';
  for (const a of document.querySelectorAll('#nav a')) {
    if (hash.startsWith(a.getAttribute('href'))) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  for (const [re, page] of routes) {
    const m = hash.match(re);
    if (m) {
      const params = m.slice(1).map(decodeURIComponent);
      try {
        cleanup = (await page()(main, params, { can })) || null;
      } catch (e) {
        flash(e.readable || String(e));
      }
      main.focus({ preventScroll: true });
      return;
    }
  }
  location.hash = '#/overview';
}

function showChrome(on) {
  document.getElementById('nav').hidden = !on;
  document.getElementById('logout').hidden = !on || !session.info.auth_required;
  for (const a of document.querySelectorAll('#nav a[data-role]')) a.hidden = !can(a.dataset.role);
  document.getElementById('who').textContent = on
    ? (session.info.auth_required ? `${session.info.token_name} (${session.info.role})` : 'authentication is off') : '';
}

function loggedIn(info) {
  session.info = info;
  setCsrf(info.csrf);
  if (!location.hash || location.hash === '#/login') location.hash = '#/overview';
  else route();
}

async function logout() {
  try {
    await api('DELETE', '/ui/session');
  } catch (e) {
    flash(e.readable || String(e));
    return;
  }
  session.info = null;
  setCsrf('');
  location.hash = '#/login';
  route();
}

whenUnauthorized(() => {
  session.info = null;
  setCsrf('');
  route().then(() => flash('Your session has ended; log in again.'));
});

document.getElementById('logout').addEventListener('click', logout);
window.addEventListener('hashchange', route);

try {
  const info = await api('GET', '/ui/session', undefined, { quiet401: true });
  session.info = info;
  setCsrf(info.csrf);
} catch {
  session.info = null;
}
route();
