import { api } from '../api.js';
import { h, errorLine, showError, clearError } from '../dom.js';

export function loginPage(main, onLoggedIn) {
  const token = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'current-password', required: true,
    placeholder: 'gfs_…', spellcheck: 'false' });
  const error = errorLine();
  const form = h('form', { class: 'login card', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Log in to GalleonFS'),
    h('p', { class: 'muted' }, 'Paste an API token. The admin token of a new cluster is in <storage>/auth/admin.token on its first node.'),
    h('label', { for: 'token' }, 'API token'), token, error,
    h('p', {}, h('button', { type: 'submit' }, 'Log in')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearError(error);
    try {
      await api('POST', '/ui/session', { token: token.value.trim() }, { quiet401: true });
      // The cookie is HttpOnly: ask the node whether the browser kept it (it refuses Secure cookies on plain HTTP
      // to a host other than localhost).
      const info = await api('GET', '/ui/session', undefined, { quiet401: true }).catch(() => null);
      if (!info) {
        showError(error, 'The node accepted the token but the browser did not keep the session cookie: open the dashboard over HTTPS or on localhost.');
        return;
      }
      token.value = '';
      onLoggedIn(info);
    } catch (err) {
      showError(error, err);
      token.focus();
    }
  });
  main.append(form);
  token.focus();
}
