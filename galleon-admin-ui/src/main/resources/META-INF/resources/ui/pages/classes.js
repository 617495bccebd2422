import { api, enc } from '../api.js';
import { h, table, errorLine, showError, clearError, confirmTyped, flash } from '../dom.js';
import { specForm } from '../specform.js';

export async function classesPage(main, _params, { can }) {
  const classes = await api('GET', '/api/v1/storage-classes');
  const error = errorLine();
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  main.append(h('h1', {}, 'Storage classes'), error, table(['Name', 'Provisioner', 'Parameters', 'Reclaim', 'Binding', 'Built in', ''],
    classes.map((c) => h('tr', {}, h('td', {}, c.name), h('td', {}, c.provisioner || ''),
      h('td', {}, Object.entries(c.parameters || {}).map(([k, v]) => `${k}=${v}`).join(', ')),
      h('td', {}, c.reclaim_policy || ''), h('td', {}, c.volume_binding_mode || ''), h('td', {}, c.built_in ? 'yes' : ''),
      h('td', {}, can('admin') && !c.built_in ? h('button', { type: 'button', class: 'danger', 'aria-label': `Delete storage class ${c.name}`,
        onclick: async () => {
          if (!(await confirmTyped('storage class', c.name))) return;
          clearError(error);
          try {
            await api('DELETE', `/api/v1/storage-classes/${enc(c.name)}`);
            reload();
            flash(`Storage class ${c.name} deleted.`, 'info');
          } catch (e) { showError(error, e); }
        } }, 'Delete') : '')))));
  if (!can('admin')) return;
  const editor = specForm({ id: 'class', what: 'storage class',
    example: '{"name": "fast-3", "provisioner": "galleonfs.io/ssd", "parameters": {"replication": "3"}}\nor the same as YAML',
    save: (body) => api('POST', '/api/v1/storage-classes', body),
    done: (name) => { reload(); flash(`Storage class ${name} created.`, 'info'); } });
  main.append(editor.form);
}
