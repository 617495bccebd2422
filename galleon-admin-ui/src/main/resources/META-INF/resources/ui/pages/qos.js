import { api, enc } from '../api.js';
import { h, table, errorLine, showError, clearError, confirmTyped, flash } from '../dom.js';
import { specForm } from '../specform.js';

/** One line of a QoS policy's numbers, e.g. "1000 IOPS, 50 MB/s, 10 ms". */
export function qosSummary(part, withLatency = true) {
  if (!part) return '';
  return [part.iops != null ? `${part.iops} IOPS` : null, part.throughput_mbps != null ? `${part.throughput_mbps} MB/s` : null,
    withLatency && part.latency_ms != null ? `${part.latency_ms} ms` : null].filter(Boolean).join(', ');
}

/** Named QoS policies: who follows them, and (admin) create, edit and delete. */
export async function qosPage(main, _params, { can }) {
  const policies = await api('GET', '/api/v1/qos-policies');
  const error = errorLine();
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  const burst = (b) => (b && b.enabled ? `x${b.iops_multiplier ?? 1} IOPS, x${b.throughput_multiplier ?? 1} MB/s for ${b.duration_seconds ?? '?'} s` : '');
  main.append(h('h1', {}, 'QoS policies'), error, table(['Name', 'Limits', 'Guarantees', 'Burst', 'Volumes', 'Storage classes', ''],
    policies.map((i) => {
      const p = i.policy;
      return h('tr', { 'data-qos': p.name }, h('td', {}, p.name), h('td', {}, qosSummary(p.limits)), h('td', {}, qosSummary(p.guarantees, false)),
        h('td', {}, burst(p.burstable)),
        h('td', {}, i.volumes.map((v, k) => [k ? ', ' : '', h('a', { href: `#/volumes/${enc(v)}` }, v)])),
        h('td', {}, i.storage_classes.join(', ')),
        h('td', { class: 'actions' }, can('admin') ? [
          h('button', { type: 'button', class: 'secondary', 'aria-label': `Edit QoS policy ${p.name}`, onclick: () => edit(p) }, 'Edit'),
          h('button', { type: 'button', class: 'danger', 'aria-label': `Delete QoS policy ${p.name}`, onclick: async () => {
            if (!(await confirmTyped('QoS policy', p.name))) return;
            clearError(error);
            try {
              await api('DELETE', `/api/v1/qos-policies/${enc(p.name)}`);
              reload();
              flash(`QoS policy ${p.name} deleted.`, 'info');
            } catch (err) { showError(error, err); }
          } }, 'Delete')] : ''));
    })));
  if (!can('admin')) return;

  const field = (id, label, placeholder) => {
    const input = h('input', { id, inputmode: 'numeric', autocomplete: 'off', placeholder });
    return [input, h('label', { for: id }, label, input)];
  };
  const name = h('input', { id: 'qos-name', required: true, autocomplete: 'off' });
  const [iops, iopsL] = field('qos-iops', 'Limit IOPS', 'none');
  const [mbps, mbpsL] = field('qos-mbps', 'Limit MB/s', 'none');
  const [lat, latL] = field('qos-latency', 'Latency target ms', 'none');
  const [giops, giopsL] = field('qos-guarantee-iops', 'Guaranteed IOPS', 'none');
  const [gmbps, gmbpsL] = field('qos-guarantee-mbps', 'Guaranteed MB/s', 'none');
  const submit = h('button', { type: 'submit' }, 'Create policy');
  let editing = null;
  const formError = errorLine();
  const form = h('form', { class: 'inline', id: 'create-qos', 'aria-label': 'Create or edit a QoS policy' },
    h('label', { for: 'qos-name' }, 'Policy name', name), iopsL, mbpsL, latL, giopsL, gmbpsL, submit);
  function edit(p) {
    editing = p.name;
    name.value = p.name;
    name.readOnly = true;
    iops.value = p.limits?.iops ?? ''; mbps.value = p.limits?.throughput_mbps ?? ''; lat.value = p.limits?.latency_ms ?? '';
    giops.value = p.guarantees?.iops ?? ''; gmbps.value = p.guarantees?.throughput_mbps ?? '';
    submit.textContent = 'Save policy';
    name.focus();
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearError(formError);
    const num = (input, what) => {
      const t = input.value.trim();
      if (!t) return undefined;
      if (!/^\d+$/.test(t)) throw new Error(`${what} must be a whole number`);
      return Number(t);
    };
    let body;
    try {
      const limits = { iops: num(iops, 'Limit IOPS'), throughput_mbps: num(mbps, 'Limit MB/s'), latency_ms: num(lat, 'Latency target') };
      const guarantees = { iops: num(giops, 'Guaranteed IOPS'), throughput_mbps: num(gmbps, 'Guaranteed MB/s') };
      const any = (o) => Object.values(o).some((v) => v !== undefined);
      body = { name: name.value.trim() };
      if (any(limits)) body.limits = limits;
      if (any(guarantees)) body.guarantees = guarantees;
    } catch (err) { showError(formError, err.message); return; }
    try {
      if (editing) await api('PUT', `/api/v1/qos-policies/${enc(editing)}`, body);
      else await api('POST', '/api/v1/qos-policies', body);
      reload();
      flash(`QoS policy ${body.name} ${editing ? 'saved' : 'created'}.`, 'info');
    } catch (err) { showError(formError, err); }
  });
  main.append(h('h2', {}, 'Create or edit a policy'), form, formError);
  // The seed's QoSPolicy file (burst and everything the small form has no field for), as `galleonfs qos create FILE` reads it.
  const editor = specForm({ id: 'qos-file', what: 'QoS policy',
    example: 'name: gold\nlimits: {iops: 5000, throughput_mbps: 200}\nburstable: {enabled: true, iops_multiplier: 2, duration_seconds: 60}',
    save: (body) => api('POST', '/api/v1/qos-policies', body),
    done: (n) => { reload(); flash(`QoS policy ${n} created.`, 'info'); } });
  main.append(editor.form);
}
