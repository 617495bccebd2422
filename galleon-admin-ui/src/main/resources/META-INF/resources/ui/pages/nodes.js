import { api } from '../api.js';
import { h, table, stateBadge, bytes } from '../dom.js';

export async function nodesPage(main) {
  const peers = await api('GET', '/api/v1/cluster/peers');
  main.append(h('h1', {}, 'Nodes'), table(
    ['Node', 'State', 'Role', 'Zone', 'Labels', 'API', 'Free', 'Capacity', 'Provisioned', 'Overcommit', 'Replicas'],
    peers.map((p) => h('tr', {}, h('td', {}, p.id), h('td', {}, stateBadge(p.state)),
      h('td', {}, p.leader ? 'leader' : (p.voter ? 'voter' : 'learner')), h('td', {}, p.zone || ''),
      h('td', {}, Object.entries(p.labels || {}).map(([k, v]) => `${k}=${v}`).join(', ')),
      h('td', {}, p.ipc_address || ''), h('td', {}, bytes(p.free_bytes)), h('td', {}, bytes(p.capacity_bytes)),
      h('td', {}, bytes(p.provisioned_bytes)), h('td', {}, p.overcommit_ratio ? p.overcommit_ratio.toFixed(2) : ''),
      h('td', {}, p.replica_count)))));
}
