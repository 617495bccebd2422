import { api, enc } from '../api.js';
import { h, table, errorLine, showError, clearError, confirmTyped, flash } from '../dom.js';

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
  const text = h('textarea', { id: 'class-json', spellcheck: 'false',
    placeholder: '{"name": "fast-3", "provisioner": "galleonfs.io/ssd", "parameters": {"replication": "3"}}' });
  const file = h('input', { id: 'class-file', type: 'file', accept: '.json,application/json' });
  file.addEventListener('change', async () => { if (file.files[0]) text.value = await file.files[0].text(); });
  const createError = errorLine();
  const form = h('form', { id: 'create-class', 'aria-label': 'Create a storage class' },
    h('h2', {}, 'Create a storage class'),
    h('label', { for: 'class-json' }, 'Class as JSON (the seed\'s storage-class file format)'), text,
    h('p', {}, h('label', { for: 'class-file' }, 'or load a JSON file '), file),
    createError, h('button', { type: 'submit' }, 'Create class'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearError(createError);
    let body;
    try { body = JSON.parse(text.value); } catch (err) { showError(createError, `That is not valid JSON: ${err.message}`); return; }
    try {
      const c = await api('POST', '/api/v1/storage-classes', body);
      reload();
      flash(`Storage class ${c.name} created.`, 'info');
    } catch (err) { showError(createError, err); }
  });
  main.append(form);
}
