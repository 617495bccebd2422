import { api, enc } from '../api.js';
import { h, table, errorLine, showError, clearError, confirmTyped, flash } from '../dom.js';

export async function tokensPage(main, _params, { can }) {
  if (!can('admin')) {
    main.append(h('h1', {}, 'Tokens'), h('p', {}, 'Only an admin token may see or manage tokens.'));
    return;
  }
  const tokens = await api('GET', '/api/v1/tokens');
  const error = errorLine();
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  const name = h('input', { id: 'token-name', required: true, autocomplete: 'off' });
  const role = h('select', { id: 'token-role' }, ['viewer', 'operator', 'admin'].map((r) => h('option', { value: r }, r)));
  const ttl = h('input', { id: 'token-ttl', placeholder: 'never, or 30d, 12h' });
  const secret = h('div', { id: 'token-secret', role: 'status' });
  const form = h('form', { class: 'inline', id: 'create-token', 'aria-label': 'Create a token' },
    h('label', { for: 'token-name' }, 'Name', name), h('label', { for: 'token-role' }, 'Role', role),
    h('label', { for: 'token-ttl' }, 'Lifetime', ttl), h('button', { type: 'submit' }, 'Create token'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearError(error);
    const body = { name: name.value.trim(), role: role.value };
    if (ttl.value.trim()) body.ttl = ttl.value.trim();
    try {
      const t = await api('POST', '/api/v1/tokens', body);
      tbody.append(row(t));
      secret.replaceChildren(h('p', {}, `Token ${t.name} created. Copy its secret now; it is not shown again:`),
        h('p', { class: 'secret' }, t.secret));
      name.value = '';
    } catch (err) { showError(error, err); }
  });
  const row = (t) => h('tr', {}, h('td', {}, t.name), h('td', {}, t.role), h('td', {}, t.created_at || ''),
    h('td', {}, t.expires_at || 'never'),
    h('td', {}, h('button', { type: 'button', class: 'danger', 'aria-label': `Revoke token ${t.name}`, onclick: async () => {
      if (!(await confirmTyped('token', t.name))) return;
      clearError(error);
      try {
        await api('DELETE', `/api/v1/tokens/${enc(t.name)}`);
        reload();
        flash(`Token ${t.name} revoked.`, 'info');
      } catch (err) { showError(error, err); }
    } }, 'Revoke')));
  const t = table(['Name', 'Role', 'Created', 'Expires', ''], tokens.map(row));
  const tbody = t.querySelector('tbody');
  main.append(h('h1', {}, 'Tokens'), form, error, secret, t);
}
