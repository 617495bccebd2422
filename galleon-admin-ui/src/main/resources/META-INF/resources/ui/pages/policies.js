import { api, enc } from '../api.js';
import { h, table, stateBadge, errorLine, showError, clearError, flash } from '../dom.js';
import { specForm } from '../specform.js';

/**
 * Snapshot and backup policies: status, last and next run, suspend/resume, run-now, create and edit from a pasted or
 * uploaded JSON/YAML file (operator), and each one's run history.
 */
export async function policiesPage(main, _params, { can }) {
  const policies = await api('GET', '/api/v1/policies');
  const error = errorLine();
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  const history = h('section', { id: 'policy-history', 'aria-live': 'polite' });
  // Same body as `galleonfs policy create FILE` (POST) and an edit of the same name (PUT keeps status and history).
  const editor = specForm({ id: 'policy', what: 'policy',
    example: 'name: nightly\nschedule: "0 2 * * *"\nkind: snapshot\nretention: {keep_last: 7}\nselector: {volumes: [db-data]}',
    save: (body, editing) => (editing ? api('PUT', `/api/v1/policies/${enc(editing)}`, body) : api('POST', '/api/v1/policies', body)),
    done: (name, edited) => { reload(); flash(`Policy ${name} ${edited ? 'saved' : 'created'}.`, 'info'); } });
  const what = (p) => {
    const s = p.spec.selector || {};
    const parts = [];
    if (s.volumes) parts.push(`volumes ${s.volumes.join(', ')}`);
    if (s.labels) parts.push(`labels ${Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(', ')}`);
    if (s.namespace) parts.push(`namespace ${s.namespace}`);
    return parts.join('; ') || 'all volumes';
  };
  const lastRun = (r) => (r ? [stateBadge(r.status), ` ${r.finished_at || r.started_at || r.scheduled_for || ''}`, r.error ? ` — ${r.error}` : ''] : 'never');
  main.append(h('h1', {}, 'Policies'), error, table(['Name', 'Kind', 'Schedule', 'Volumes', 'Target', 'Status', 'Last run', 'Next run', ''],
    policies.map((p) => {
      const name = p.spec.name;
      const suspended = p.status === 'suspended';
      return h('tr', { 'data-policy': name },
        h('td', {}, name), h('td', {}, p.spec.kind || 'backup'), h('td', {}, h('code', {}, p.spec.schedule), p.spec.timezone ? ` (${p.spec.timezone})` : ''),
        h('td', {}, what(p)), h('td', {}, p.spec.target || ''), h('td', { class: 'policy-status' }, stateBadge(p.status)),
        h('td', {}, lastRun(p.last_run)), h('td', {}, suspended ? 'suspended' : (p.next_run || '')),
        h('td', { class: 'actions' },
          h('button', { type: 'button', class: 'secondary', 'aria-label': `History of policy ${name}`, onclick: () => showHistory(name) }, 'History'),
          can('operator') ? [
            h('button', { type: 'button', class: 'secondary', 'aria-label': `Edit policy ${name}`, onclick: () => editor.edit(name, p.spec) }, 'Edit'),
            h('button', { type: 'button', class: 'secondary', 'aria-label': `${suspended ? 'Resume' : 'Suspend'} policy ${name}`,
              onclick: () => act(() => api('POST', `/api/v1/policies/${enc(name)}/${suspended ? 'resume' : 'suspend'}`),
                `Policy ${name} ${suspended ? 'resumed' : 'suspended'}.`) }, suspended ? 'Resume' : 'Suspend'),
            h('button', { type: 'button', 'aria-label': `Run now: policy ${name}`,
              onclick: () => act(() => api('POST', `/api/v1/policies/${enc(name)}/run-now`), `Policy ${name} will run now.`) }, 'Run now')] : ''));
    })), can('operator') ? editor.form : null, history);

  async function showHistory(name) {
    clearError(error);
    try {
      const runs = await api('GET', `/api/v1/policies/${enc(name)}/history?limit=50`);
      history.replaceChildren(h('h2', {}, `History of ${name}`), table(['Scheduled for', 'Manual', 'Status', 'Started', 'Duration', 'Node', 'Artifacts', 'Error'],
        runs.map((r) => h('tr', { 'data-run': r.id }, h('td', {}, r.scheduled_for || ''), h('td', {}, r.manual ? 'run now' : ''),
          h('td', {}, stateBadge(r.status), r.missed_count ? ` (${r.missed_count} missed until ${r.missed_until})` : ''),
          h('td', {}, r.started_at || ''), h('td', {}, r.duration_ms != null ? `${(r.duration_ms / 1000).toFixed(1)} s` : ''),
          h('td', {}, r.claimed_by || ''), h('td', {}, (r.artifacts || []).length), h('td', {}, r.error || '')))));
    } catch (err) { showError(error, err); }
  }

  async function act(call, done) {
    clearError(error);
    try {
      await call();
      reload();
      flash(done, 'info');
    } catch (err) { showError(error, err); }
  }
}
