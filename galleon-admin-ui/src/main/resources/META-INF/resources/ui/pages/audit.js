import { api } from '../api.js';
import { h, table, errorLine, showError, clearError } from '../dom.js';

/** The node's audit log (admin): recent mutating or refused calls, newest first, filtered by age, subject and action. */
export async function auditPage(main, _params, { can }) {
  main.append(h('h1', {}, 'Audit log'));
  if (!can('admin')) {
    main.append(h('p', {}, 'Only an admin token may read the audit log.'));
    return;
  }
  const since = h('input', { id: 'audit-since', value: '24h', autocomplete: 'off', placeholder: '30m, 2h, 7d or an instant' });
  const who = h('input', { id: 'audit-subject', autocomplete: 'off' });
  const text = h('input', { id: 'audit-text', autocomplete: 'off', placeholder: 'action or resource contains' });
  const refused = h('input', { id: 'audit-refused', type: 'checkbox' });
  const error = errorLine();
  const out = h('div', { id: 'audit-records' });
  const form = h('form', { class: 'inline', id: 'audit-filter', 'aria-label': 'Filter the audit log' },
    h('label', { for: 'audit-since' }, 'Since', since), h('label', { for: 'audit-subject' }, 'Subject', who),
    h('label', { for: 'audit-text' }, 'Action or resource', text), h('label', { for: 'audit-refused' }, 'Refused only', refused),
    h('button', { type: 'submit' }, 'Show'));
  main.append(form, error, out);
  const [verification] = await Promise.all([api('GET', '/api/v1/audit/verify').catch(() => null)]);
  if (verification) {
    main.insertBefore(h('p', { id: 'audit-chain', class: verification.intact ? 'muted' : 'error' }, verification.intact
      ? `Hash chain intact: ${verification.records} records.`
      : `Hash chain broken at line ${verification.broken_line}: ${verification.reason}`), form);
  }
  async function load() {
    clearError(error);
    try {
      const q = since.value.trim() ? `?limit=10000&since=${encodeURIComponent(since.value.trim())}` : '?limit=10000';
      const records = (await api('GET', `/api/v1/audit${q}`)).reverse().filter((r) =>
        (!who.value.trim() || (r.subject || '').includes(who.value.trim()))
        && (!text.value.trim() || `${r.action} ${r.resource}`.includes(text.value.trim()))
        && (!refused.checked || r.status >= 400)).slice(0, 200);
      out.replaceChildren(table(['#', 'Time', 'Node', 'Subject', 'Role', 'Action', 'Resource', 'Status', 'From'],
        records.map((r) => h('tr', { 'data-seq': r.seq }, h('td', {}, r.seq), h('td', {}, r.time), h('td', {}, r.node || ''),
          h('td', {}, r.subject || ''), h('td', {}, r.role || ''), h('td', {}, r.action), h('td', {}, r.resource || ''),
          h('td', {}, r.status), h('td', {}, r.remote || ''))),
        `${records.length} newest records`));
    } catch (err) { showError(error, err); }
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  await load();
}
