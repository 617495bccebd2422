import { api, enc } from '../api.js';
import { h, table, stateBadge, bytes, errorLine, showError, clearError, confirmTyped, flash } from '../dom.js';
import { liveChart, stream } from '../chart.js';
import { qosSummary } from './qos.js';

export async function volumePage(main, [name], { can }) {
  const base = `/api/v1/volumes/${enc(name)}`;
  const [v, snapshots, config, qos, qosPolicies] = await Promise.all([api('GET', base), api('GET', `${base}/snapshots`),
    api('GET', '/api/v1/daemon/config'), api('GET', `${base}/qos`), can('admin') ? api('GET', '/api/v1/qos-policies') : Promise.resolve([])]);
  const nbd = nbdBase(config.nbd_address);
  const reload = () => { if (location.hash === `#/volumes/${enc(v.name)}`) window.dispatchEvent(new HashChangeEvent('hashchange')); };
  const props = [['State', stateBadge(v.state)], v.state_reason ? ['Why', v.state_reason] : null,
    ['Size', bytes(v.size_bytes)], ['Allocated', bytes(v.allocated_bytes)], ['Storage class', v.storage_class],
    ['Type', v.volume_type], ['Access mode', v.access_mode], ['Encrypted', v.encrypted ? 'yes' : 'no'],
    ['Block size', `${v.block_size} B`], ['Created', v.created_at], ['Id', v.id],
    ['Clients', (v.clients || []).join(', ') || 'none'],
    ['NBD export', nbd ? h('code', { id: 'nbd-url' }, `${nbd}/${v.name}`) : 'this node serves no NBD (start it with --nbd-address)']].filter(Boolean);
  main.append(h('h1', {}, `Volume ${v.name}`),
    h('dl', { class: 'props', id: 'volume-props' }, props.flatMap(([k, val]) => [h('dt', {}, k), h('dd', {}, val)])));

  main.append(h('h2', {}, 'Replicas'), table(['Node', 'State', 'Progress', 'Primary'],
    (v.replicas || []).map((r) => h('tr', {}, h('td', {}, r.node), h('td', {}, stateBadge(r.state)),
      h('td', {}, `${r.progress}%`), h('td', {}, r.primary ? 'primary' : '')))));
  if ((v.mounts || []).length) {
    main.append(h('h2', {}, 'Mounts'), table(['Path', 'Node', 'State', 'Options'],
      v.mounts.map((m) => h('tr', {}, h('td', {}, m.path ?? ''), h('td', {}, m.node ?? ''), h('td', {}, m.state ?? ''),
        h('td', {}, (m.options || []).join(','))))));
  }

  const qosFrom = { volume: 'its own override', storage_class: 'its storage class', policy: `the named policy ${qos.policy_name}`,
    storage_class_policy: `its class's named policy ${qos.policy_name || ''}`, none: 'none' };
  main.append(h('h2', {}, 'QoS'), h('dl', { class: 'props', id: 'volume-qos' },
    h('dt', {}, 'Policy'), h('dd', {}, qos.policy_name ? h('a', { href: '#/qos' }, qos.policy_name) : 'none'),
    h('dt', {}, 'Comes from'), h('dd', {}, qosFrom[qos.source] || qos.source),
    h('dt', {}, 'Limits in force'), h('dd', {}, qosSummary(qos.effective && qos.effective.limits) || 'unlimited'),
    h('dt', {}, 'Guarantees'), h('dd', {}, qosSummary(qos.effective && qos.effective.guarantees, false) || 'none')));
  if (can('admin')) {
    const qosError = errorLine();
    const pick = h('select', { id: 'volume-qos-policy' }, qosPolicies.map((i) => h('option', { value: i.policy.name }, i.policy.name)));
    if (qos.policy_name) pick.value = qos.policy_name;
    const form = h('form', { class: 'inline', id: 'set-qos-policy', 'aria-label': 'Set the QoS policy' },
      h('label', { for: 'volume-qos-policy' }, 'QoS policy', pick), h('button', { type: 'submit', disabled: !qosPolicies.length }, 'Set QoS policy'),
      qos.policy_name ? h('button', { type: 'button', class: 'secondary', onclick: () =>
        act(qosError, () => api('DELETE', `${base}/qos-policy`), `Volume ${v.name} no longer follows ${qos.policy_name}.`) }, 'Clear QoS policy') : null);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      act(qosError, () => api('PUT', `${base}/qos-policy`, { policy: pick.value }), `Volume ${v.name} follows QoS policy ${pick.value}.`);
    });
    main.append(form, qosError);
  }

  const charts = h('section', { 'aria-label': 'Live I/O' }, h('h2', {}, 'Live I/O through this node'));
  main.append(charts);
  const iops = liveChart(charts, { id: 'chart-volume-iops', title: 'IOPS', series: [{ label: 'read', color: '#0b5fbd' }, { label: 'write', color: '#c62828' }] });
  const lat = liveChart(charts, { id: 'chart-volume-latency', title: 'Latency p99 (ms, last 10 s)', series: [{ label: 'read', color: '#0b5fbd', digits: 2 }, { label: 'write', color: '#c62828', digits: 2 }] });
  const streamStatus = h('p', { class: 'muted', role: 'status' });
  charts.append(streamStatus);
  const close = stream(`${base}/metrics/stream`, (m) => {
    streamStatus.textContent = '';
    iops.push(m.timestamp_millis, [m.last_1s.read_iops, m.last_1s.write_iops]);
    lat.push(m.timestamp_millis, [m.last_10s.read_latency.p99_ms, m.last_10s.write_latency.p99_ms]);
  }, (err) => { streamStatus.textContent = err.message; });

  main.append(h('h2', {}, 'Snapshots'));
  const snapError = errorLine();
  if (can('operator')) {
    const snapName = h('input', { id: 'snapshot-name', required: true, autocomplete: 'off' });
    const form = h('form', { class: 'inline', id: 'create-snapshot', 'aria-label': 'Create a snapshot' },
      h('label', { for: 'snapshot-name' }, 'Snapshot name', snapName), h('button', { type: 'submit' }, 'Take snapshot'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      act(snapError, () => api('POST', `${base}/snapshots`, { name: snapName.value.trim() }), `Snapshot ${snapName.value.trim()} taken.`);
    });
    main.append(form);
  }
  main.append(snapError, table(['Snapshot', 'Created', 'Stored', 'NBD export (read-only)', ''], snapshots.map((s) => h('tr', { 'data-snapshot': s.name },
    h('td', {}, s.name), h('td', {}, s.created_at), h('td', {}, bytes(s.stored_bytes)),
    h('td', {}, nbd ? h('code', {}, `${nbd}/${v.name}@${s.name}`) : ''),
    h('td', { class: 'actions' }, can('operator') ? [
      h('button', { type: 'button', class: 'secondary', 'aria-label': `Restore ${v.name} to snapshot ${s.name}`, onclick: async () => {
        if (!(await confirmTyped('current content of volume', v.name))) return;
        act(snapError, () => api('POST', `${base}/restore`, { snapshot: s.name }), `Volume ${v.name} restored to ${s.name}.`);
      } }, 'Restore'),
      h('button', { type: 'button', class: 'secondary', 'aria-label': `Clone snapshot ${s.name}`, onclick: () => {
        cloneName.value = `${v.name}-${s.name}`; cloneSnap.value = s.name; cloneName.focus();
      } }, 'Clone'),
      h('button', { type: 'button', class: 'danger', 'aria-label': `Delete snapshot ${s.name}`, onclick: async () => {
        if (!(await confirmTyped('snapshot', s.name))) return;
        act(snapError, () => api('DELETE', `${base}/snapshots/${enc(s.name)}`), `Snapshot ${s.name} deleted.`);
      } }, 'Delete')] : '')))));

  const cloneName = h('input', { id: 'clone-name', required: true, autocomplete: 'off' });
  const cloneSnap = h('select', { id: 'clone-snapshot' }, h('option', { value: '' }, 'live volume'), snapshots.map((s) => h('option', { value: s.name }, s.name)));
  if (can('operator')) {
    const actError = errorLine();
    const size = h('input', { id: 'expand-size', required: true, placeholder: 'e.g. 2G' });
    const expand = h('form', { class: 'inline', id: 'expand-volume', 'aria-label': 'Expand the volume' },
      h('label', { for: 'expand-size' }, 'New size', size), h('button', { type: 'submit' }, 'Expand'));
    expand.addEventListener('submit', (e) => {
      e.preventDefault();
      act(actError, () => api('POST', `${base}/expand`, { size: size.value.trim() }), `Volume ${v.name} expanded.`);
    });
    const clone = h('form', { class: 'inline', id: 'clone-volume', 'aria-label': 'Clone the volume' },
      h('label', { for: 'clone-name' }, 'Clone name', cloneName), h('label', { for: 'clone-snapshot' }, 'From', cloneSnap),
      h('button', { type: 'submit' }, 'Clone'));
    clone.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearError(actError);
      const body = { name: cloneName.value.trim() };
      if (cloneSnap.value) body.snapshot = cloneSnap.value;
      try {
        const c = await api('POST', `${base}/clone`, body);
        flash(`Clone ${c.name} created.`, 'info');
        location.hash = `#/volumes/${enc(c.name)}`;
      } catch (err) { showError(actError, err); }
    });
    const del = h('button', { type: 'button', class: 'danger', id: 'delete-volume', onclick: async () => {
      if (!(await confirmTyped('volume', v.name))) return;
      clearError(actError);
      try {
        await api('DELETE', base);
        flash(`Volume ${v.name} deleted.`, 'info');
        location.hash = '#/volumes';
      } catch (err) { showError(actError, err); }
    } }, 'Delete volume');
    main.append(h('h2', {}, 'Actions'), expand, clone, actError, h('p', {}, del));
  }

  async function act(line, call, done) {
    clearError(line);
    try {
      await call();
      reload();
      flash(done, 'info');
    } catch (err) { showError(line, err); }
  }
  return () => { close(); iops.destroy(); lat.destroy(); };
}

/** nbd://host:port of this node, with a wildcard listen address replaced by the host the browser reached (as the CLI does). */
function nbdBase(address) {
  if (!address) return null;
  const colon = address.lastIndexOf(':');
  let host = address.slice(0, colon);
  if (['0.0.0.0', '[::]', '::', '*'].includes(host)) host = location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname;
  return `nbd://${host}:${address.slice(colon + 1)}`;
}
