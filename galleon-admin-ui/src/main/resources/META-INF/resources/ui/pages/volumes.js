import { api, enc } from '../api.js';
import { h, table, stateBadge, bytes, errorLine, showError, clearError, confirmTyped, flash } from '../dom.js';

export async function volumesPage(main, _params, { can }) {
  const [volumes, classes] = await Promise.all([api('GET', '/api/v1/volumes'), api('GET', '/api/v1/storage-classes')]);
  main.append(h('h1', {}, 'Volumes'));
  if (can('operator')) main.append(createForm(classes));

  const search = h('input', { id: 'volume-search', type: 'search', placeholder: 'name' });
  const stateFilter = h('select', { id: 'volume-state' }, ['', 'healthy', 'degraded', 'faulted'].map((s) => h('option', { value: s }, s || 'any')));
  const classFilter = h('select', { id: 'volume-class' }, h('option', { value: '' }, 'any'), classes.map((c) => h('option', { value: c.name }, c.name)));
  const listError = errorLine();
  const holder = h('div', { id: 'volume-list' });
  main.append(h('form', { class: 'inline', role: 'search', 'aria-label': 'Filter volumes' },
    h('label', { for: 'volume-search' }, 'Search', search), h('label', { for: 'volume-state' }, 'State', stateFilter),
    h('label', { for: 'volume-class' }, 'Class', classFilter)), listError, holder);

  const render = () => {
    const q = search.value.trim().toLowerCase();
    const rows = volumes
      .filter((v) => !q || v.name.toLowerCase().includes(q))
      .filter((v) => !stateFilter.value || v.state === stateFilter.value)
      .filter((v) => !classFilter.value || v.storage_class === classFilter.value)
      .map((v) => h('tr', { 'data-volume': v.name },
        h('td', {}, h('a', { href: `#/volumes/${enc(v.name)}` }, v.name)),
        h('td', {}, stateBadge(v.state)), h('td', {}, bytes(v.size_bytes)),
        h('td', {}, `${(v.replicas || []).filter((r) => r.state === 'healthy').length}/${v.replica_count}`),
        h('td', {}, v.storage_class), h('td', {}, v.volume_type), h('td', {}, v.access_mode), h('td', {}, v.snapshot_count),
        h('td', {}, can('operator') ? h('button', { type: 'button', class: 'danger', 'aria-label': `Delete volume ${v.name}`,
          onclick: async () => {
            if (!(await confirmTyped('volume', v.name))) return;
            clearError(listError);
            try {
              await api('DELETE', `/api/v1/volumes/${enc(v.name)}`);
              flash(`Volume ${v.name} deleted.`, 'info');
              volumes.splice(volumes.indexOf(v), 1);
              render();
            } catch (e) { showError(listError, e); }
          } }, 'Delete') : '')));
    holder.replaceChildren(table(['Name', 'State', 'Size', 'Healthy copies', 'Class', 'Type', 'Access', 'Snapshots', ''], rows));
  };
  for (const el of [search, stateFilter, classFilter]) el.addEventListener('input', render);
  render();
}

function createForm(classes) {
  const error = errorLine();
  const field = (id, label, input) => h('label', { for: id }, label, input);
  const name = h('input', { id: 'new-name', name: 'name', required: true, autocomplete: 'off' });
  const size = h('input', { id: 'new-size', name: 'size', value: '1G', required: true });
  const cls = h('select', { id: 'new-class', name: 'storage_class' }, classes.map((c) => h('option', { value: c.name, selected: c.name === 'encrypted-storage' }, c.name)));
  const replicas = h('input', { id: 'new-replicas', name: 'replicas', type: 'number', min: 1, max: 5, placeholder: 'class default' });
  const type = h('select', { id: 'new-type', name: 'volume_type' }, ['persistent', 'ephemeral', 'shared'].map((t) => h('option', { value: t }, t)));
  const access = h('select', { id: 'new-access', name: 'access_mode' }, ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany'].map((t) => h('option', { value: t }, t)));
  const form = h('form', { class: 'inline', id: 'create-volume', 'aria-label': 'Create a volume' },
    field('new-name', 'Name', name), field('new-size', 'Size', size), field('new-class', 'Storage class', cls),
    field('new-replicas', 'Replicas', replicas), field('new-type', 'Type', type), field('new-access', 'Access mode', access),
    h('button', { type: 'submit' }, 'Create volume'), error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearError(error);
    const body = { name: name.value.trim(), size: size.value.trim(), storage_class: cls.value, volume_type: type.value, access_mode: access.value };
    if (replicas.value) body.replicas = Number(replicas.value);
    try {
      const v = await api('POST', '/api/v1/volumes', body);
      location.hash = `#/volumes/${enc(v.name)}`;
    } catch (err) { showError(error, err); }
  });
  return form;
}
