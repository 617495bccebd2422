import { api, enc } from '../api.js';
import { h, table, stateBadge, bytes, errorLine, showError, clearError, confirmTyped, flash } from '../dom.js';

const ACTIVE = ['queued', 'running'];

/** Backup targets (admin), the backup catalog with backup/restore/verify (operator) and the running jobs, polled each second. */
export async function backupsPage(main, _params, { can }) {
  const [targets, backups, jobs, volumes] = await Promise.all([api('GET', '/api/v1/backup-targets'), api('GET', '/api/v1/backups'),
    api('GET', '/api/v1/jobs'), can('operator') ? api('GET', '/api/v1/volumes') : Promise.resolve([])]);
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  main.append(h('h1', {}, 'Backups'));

  main.append(h('h2', {}, 'Backup targets'));
  const targetError = errorLine();
  main.append(targetError, table(['Name', 'URL', 'Repository', 'Backups', 'Created', ''], targets.map((t) => h('tr', { 'data-target': t.name },
    h('td', {}, t.name), h('td', {}, h('code', {}, t.url)), h('td', {}, t.repository_id || ''), h('td', {}, t.backups),
    h('td', {}, t.created_at || ''),
    h('td', {}, can('admin') ? h('button', { type: 'button', class: 'danger', 'aria-label': `Delete backup target ${t.name}`, onclick: async () => {
      if (!(await confirmTyped('backup target', t.name))) return;
      await act(targetError, () => api('DELETE', `/api/v1/backup-targets/${enc(t.name)}`), `Backup target ${t.name} deleted.`);
    } }, 'Delete') : '')))));
  if (can('admin')) {
    const name = h('input', { id: 'target-name', required: true, autocomplete: 'off' });
    const url = h('input', { id: 'target-url', required: true, autocomplete: 'off', placeholder: 'file:///srv/backups or s3://bucket/prefix' });
    const endpoint = h('input', { id: 'target-endpoint', autocomplete: 'off', placeholder: 'S3 only: http://host:9000' });
    const keyId = h('input', { id: 'target-key-id', autocomplete: 'off' });
    const secret = h('input', { id: 'target-secret', type: 'password', autocomplete: 'off' });
    const pass = h('input', { id: 'target-passphrase', type: 'password', required: true, autocomplete: 'new-password' });
    const form = h('form', { class: 'inline', id: 'create-target', 'aria-label': 'Add a backup target' },
      h('label', { for: 'target-name' }, 'Target name', name), h('label', { for: 'target-url' }, 'URL', url),
      h('label', { for: 'target-endpoint' }, 'Endpoint', endpoint), h('label', { for: 'target-key-id' }, 'Access key id', keyId),
      h('label', { for: 'target-secret' }, 'Secret access key', secret),
      h('label', { for: 'target-passphrase' }, 'Recovery passphrase', pass), h('button', { type: 'submit' }, 'Add target'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = { name: name.value.trim(), url: url.value.trim(), passphrase: pass.value };
      if (endpoint.value.trim()) { body.endpoint = endpoint.value.trim(); body.path_style = true; }
      if (keyId.value.trim()) body.access_key_id = keyId.value.trim();
      if (secret.value) body.secret_access_key = secret.value;
      act(targetError, () => api('POST', '/api/v1/backup-targets', body), `Backup target ${body.name} added.`);
    });
    main.append(form);
  }

  main.append(h('h2', {}, 'Backups'));
  const backupError = errorLine();
  if (can('operator')) {
    const volume = h('select', { id: 'backup-volume', required: true }, volumes.map((v) => h('option', { value: v.name }, v.name)));
    const target = h('select', { id: 'backup-target', required: true }, targets.map((t) => h('option', { value: t.name }, t.name)));
    const strategy = h('select', { id: 'backup-strategy' }, ['incremental', 'full', 'differential'].map((s) => h('option', { value: s }, s)));
    const form = h('form', { class: 'inline', id: 'create-backup', 'aria-label': 'Back up a volume' },
      h('label', { for: 'backup-volume' }, 'Volume', volume), h('label', { for: 'backup-target' }, 'Target', target),
      h('label', { for: 'backup-strategy' }, 'Strategy', strategy), h('button', { type: 'submit' }, 'Start backup'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearError(backupError);
      try {
        const job = await api('POST', '/api/v1/backups', { volume: volume.value, target: target.value, strategy: strategy.value });
        flash(`Backup of ${volume.value} started (job ${job.id}).`, 'info');
        await refresh();
      } catch (err) { showError(backupError, err); }
    });
    main.append(form);
  }
  const backupsTable = h('div', { id: 'backups' });
  main.append(backupError, backupsTable);

  let restoreForm = null;
  const restoreFrom = h('select', { id: 'restore-backup' });
  const restoreName = h('input', { id: 'restore-volume', required: true, autocomplete: 'off' });
  if (can('operator')) {
    const restoreClass = h('input', { id: 'restore-class', autocomplete: 'off', placeholder: 'same as the backup' });
    restoreForm = h('form', { class: 'inline', id: 'restore-form', 'aria-label': 'Restore a backup to a new volume' },
      h('label', { for: 'restore-backup' }, 'Backup', restoreFrom), h('label', { for: 'restore-volume' }, 'New volume name', restoreName),
      h('label', { for: 'restore-class' }, 'Storage class', restoreClass), h('button', { type: 'submit' }, 'Restore to new volume'));
    restoreForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearError(backupError);
      const body = { to_volume: restoreName.value.trim() };
      if (restoreClass.value.trim()) body.storage_class = restoreClass.value.trim();
      try {
        const job = await api('POST', `/api/v1/backups/${enc(restoreFrom.value)}/restore`, body);
        flash(`Restore of ${restoreFrom.value} to ${body.to_volume} started (job ${job.id}).`, 'info');
        await refresh();
      } catch (err) { showError(backupError, err); }
    });
    main.append(h('h3', {}, 'Restore'), restoreForm);
  }

  main.append(h('h2', {}, 'Jobs'));
  const jobError = errorLine();
  const jobsTable = h('div', { id: 'jobs' });
  main.append(jobError, jobsTable);

  let shownBackups = '';
  let shownJobs = '';
  function render(bs, js) {
    const bKey = JSON.stringify(bs);
    if (bKey !== shownBackups) {
      shownBackups = bKey;
      backupsTable.replaceChildren(table(['Id', 'Volume', 'Target', 'Strategy', 'Status', 'Size', 'Stored', 'Created', 'Finished', ''],
        bs.map((b) => h('tr', { 'data-backup': b.id, 'data-volume': b.volume },
          h('td', {}, h('code', {}, b.id)), h('td', {}, b.volume), h('td', {}, b.target), h('td', {}, b.strategy),
          h('td', {}, stateBadge(b.status), b.error ? ` — ${b.error}` : ''), h('td', {}, bytes(b.size_bytes)), h('td', {}, bytes(b.bytes_stored)),
          h('td', {}, b.created_at || ''), h('td', {}, b.finished_at || ''),
          h('td', { class: 'actions' }, can('operator') ? [
            h('button', { type: 'button', class: 'secondary', 'aria-label': `Restore backup ${b.id} of ${b.volume}`, onclick: () => {
              restoreFrom.value = b.id; restoreName.value = `${b.volume}-restored`; restoreName.focus();
            } }, 'Restore'),
            h('button', { type: 'button', class: 'secondary', 'aria-label': `Verify backup ${b.id} of ${b.volume}`, onclick: async () => {
              clearError(backupError);
              try {
                const job = await api('POST', `/api/v1/backups/${enc(b.id)}/verify`);
                flash(`Verification of ${b.id} started (job ${job.id}).`, 'info');
                await refresh();
              } catch (err) { showError(backupError, err); }
            } }, 'Verify'),
            h('button', { type: 'button', class: 'danger', 'aria-label': `Delete backup ${b.id} of ${b.volume}`, onclick: async () => {
              if (!(await confirmTyped('backup', b.id))) return;
              await act(backupError, () => api('DELETE', `/api/v1/backups/${enc(b.id)}`), `Backup ${b.id} deleted.`);
            } }, 'Delete')] : '')))));
      const chosen = restoreFrom.value;
      restoreFrom.replaceChildren(...bs.filter((b) => b.status === 'succeeded' || b.status === 'completed')
        .map((b) => h('option', { value: b.id }, `${b.volume} ${b.created_at || ''} (${b.id})`)));
      if (chosen) restoreFrom.value = chosen;
    }
    const jKey = JSON.stringify(js);
    if (jKey !== shownJobs) {
      shownJobs = jKey;
      const newest = [...js].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at))).slice(0, 50);
      jobsTable.replaceChildren(table(['Job', 'Kind', 'State', 'Volume', 'Target', 'Progress', 'Rate', 'Message', ''],
        newest.map((j) => {
          const pct = j.bytes_total > 0 ? Math.min(100, Math.floor((100 * j.bytes_done) / j.bytes_total)) : (j.state === 'succeeded' ? 100 : 0);
          return h('tr', { 'data-job': j.id, 'data-kind': j.kind, 'data-state': j.state, 'data-volume': j.volume || '' },
            h('td', {}, h('code', {}, j.id)), h('td', {}, j.kind), h('td', {}, stateBadge(j.state)), h('td', {}, j.volume || ''),
            h('td', {}, j.target || ''),
            h('td', {}, h('progress', { max: 100, value: pct, 'aria-label': `${j.kind} job ${j.id}` }),
              ` ${pct}% (${bytes(j.bytes_done)} of ${bytes(j.bytes_total)})`),
            h('td', {}, j.bytes_per_second ? `${bytes(j.bytes_per_second)}/s` : ''),
            h('td', {}, j.error || j.message || j.phase || ''),
            h('td', {}, can('operator') && ACTIVE.includes(j.state)
              ? h('button', { type: 'button', class: 'danger', 'aria-label': `Cancel ${j.kind} job ${j.id}`, onclick: async () => {
                clearError(jobError);
                try {
                  // The job stops at its next checkpoint; the row turns "cancelled" on a following refresh.
                  await api('POST', `/api/v1/jobs/${enc(j.id)}/cancel`);
                  flash(`Cancelling job ${j.id}.`, 'info');
                  await refresh();
                } catch (err) { showError(jobError, err); }
              } }, 'Cancel') : ''));
        })));
    }
  }

  async function refresh() {
    const [bs, js] = await Promise.all([api('GET', '/api/v1/backups'), api('GET', '/api/v1/jobs')]);
    render(bs, js);
  }

  async function act(line, call, done) {
    clearError(line);
    try {
      await call();
      reload();
      flash(done, 'info');
    } catch (err) { showError(line, err); }
  }

  render(backups, jobs);
  // Progress comes from polling the job list: one cheap in-memory read a second while the page is open.
  let stopped = false;
  const timer = setInterval(() => {
    if (!stopped) refresh().catch((err) => showError(jobError, err));
  }, 1000);
  return () => { stopped = true; clearInterval(timer); };
}
