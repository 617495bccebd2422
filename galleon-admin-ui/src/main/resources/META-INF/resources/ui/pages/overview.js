import { api } from '../api.js';
import { h, table, stateBadge, bytes } from '../dom.js';
import { liveChart, stream } from '../chart.js';

export async function overviewPage(main) {
  const [status, peers, volumes] = await Promise.all([
    api('GET', '/api/v1/cluster/status'), api('GET', '/api/v1/cluster/peers'), api('GET', '/api/v1/volumes')]);
  const capacity = peers.reduce((s, p) => s + p.capacity_bytes, 0);
  const free = peers.reduce((s, p) => s + p.free_bytes, 0);
  const down = peers.filter((p) => p.state !== 'up');
  const unhealthy = volumes.filter((v) => v.state !== 'healthy');
  const health = down.length === 0 && unhealthy.length === 0 ? 'healthy'
    : (volumes.some((v) => v.state === 'faulted') || peers.some((p) => p.state === 'down') ? 'faulted' : 'degraded');
  const card = (label, value, id, cls = 'value') => h('div', { class: 'card', id },
    h('div', { class: 'label' }, label), h('div', { class: cls }, value));
  main.append(
    h('h1', {}, `Cluster ${status.cluster_name || status.cluster_id}`),
    h('div', { class: 'cards' },
      card('Health', stateBadge(health), 'health'),
      card('Leader', status.leader || 'none elected', 'leader', 'value node-id'),
      card('Members', `${peers.length - down.length} up of ${peers.length}`, 'members'),
      card('Capacity used', `${bytes(capacity - free)} of ${bytes(capacity)}`, 'capacity'),
      card('Free', bytes(free), 'free'),
      card('Volumes', `${volumes.length} (${unhealthy.length} not healthy)`, 'volume-count')));
  if (unhealthy.length) {
    main.append(h('div', { class: 'callout', id: 'degraded' },
      h('strong', {}, 'Volumes that need attention'),
      h('ul', {}, unhealthy.map((v) => h('li', {},
        h('a', { href: `#/volumes/${encodeURIComponent(v.name)}` }, v.name), ' ', stateBadge(v.state),
        v.state_reason ? ` — ${v.state_reason}` : '')))));
  }
  const rebuilding = volumes.flatMap((v) => (v.replicas || []).filter((r) => r.state === 'rebuilding')
    .map((r) => ({ volume: v.name, node: r.node, progress: r.progress })));
  main.append(h('h2', {}, 'Running jobs'), rebuilding.length
    ? table(['Job', 'Volume', 'Node', 'Progress'], rebuilding.map((j) => h('tr', {}, h('td', {}, 'replica rebuild'),
      h('td', {}, h('a', { href: `#/volumes/${encodeURIComponent(j.volume)}` }, j.volume)), h('td', {}, j.node),
      h('td', {}, h('progress', { max: 100, value: j.progress, 'aria-label': `rebuild of ${j.volume} on ${j.node}` }), ` ${j.progress}%`))))
    : h('p', { class: 'muted', id: 'jobs' }, 'No rebuilds running.'));
  main.append(h('h2', {}, 'Members'), table(['Node', 'State', 'Role', 'Zone', 'Free', 'Capacity', 'Replicas'],
    peers.map((p) => h('tr', {}, h('td', {}, p.id), h('td', {}, stateBadge(p.state)),
      h('td', {}, p.leader ? 'leader' : (p.voter ? 'voter' : 'learner')), h('td', {}, p.zone || ''),
      h('td', {}, bytes(p.free_bytes)), h('td', {}, bytes(p.capacity_bytes)), h('td', {}, p.replica_count)))));

  const charts = h('section', { 'aria-label': 'Live I/O' }, h('h2', {}, `Live I/O through ${status.this_node}`));
  main.append(charts);
  const iops = liveChart(charts, { id: 'chart-iops', title: 'IOPS', series: [{ label: 'read', color: '#0b5fbd' }, { label: 'write', color: '#c62828' }] });
  const mbps = liveChart(charts, { id: 'chart-throughput', title: 'Throughput (MB/s)', series: [{ label: 'read', color: '#0b5fbd', digits: 2 }, { label: 'write', color: '#c62828', digits: 2 }] });
  const status2 = h('p', { class: 'muted', role: 'status' });
  charts.append(status2);
  const close = stream('/api/v1/metrics/stream', (m) => {
    status2.textContent = '';
    iops.push(m.timestamp_millis, [m.read_iops, m.write_iops]);
    mbps.push(m.timestamp_millis, [m.read_mb_per_second, m.write_mb_per_second]);
  }, (err) => { status2.textContent = err.message; });
  return () => { close(); iops.destroy(); mbps.destroy(); };
}
