// Drives the dashboard of a running node in the machine's Chromium. Run by DashboardBrowserIT:
//   GALLEON_URL=http://127.0.0.1:PORT GALLEON_ADMIN_TOKEN=gfs_... GALLEON_BACKUP_DIR=empty-dir SCREENSHOT_DIR=dir node dashboard.mjs
// Prints "ok <step>" per step and "dashboard: N passed, 0 failed" at the end; exits 1 with the reason on a failure.
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const base = required('GALLEON_URL');
const adminToken = required('GALLEON_ADMIN_TOKEN');
const shots = process.env.SCREENSHOT_DIR || 'target/dashboard-screenshots';
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const nbdAddress = process.env.GALLEON_NBD || ''; // host:port when the node serves NBD
const backupDir = process.env.GALLEON_BACKUP_DIR || ''; // an empty directory for a file:// backup target
const hasNbdcopy = spawnSync('sh', ['-c', 'command -v nbdcopy']).status === 0;
const TIMEOUT = 20_000;
mkdirSync(shots, { recursive: true });

function required(name) {
  const v = process.env[name];
  if (!v) { console.error(`${name} is not set`); process.exit(2); }
  return v;
}

let passed = 0;
let currentPage = null;
async function step(name, fn) {
  try {
    await fn();
  } catch (e) {
    console.error(`FAILED ${name}: ${e && e.stack ? e.stack : e}`);
    if (currentPage) {
      console.error(`page text: ${(await currentPage.locator('body').innerText().catch(() => '?')).slice(0, 2000)}`);
      await currentPage.screenshot({ path: `${shots}/failed.png`, fullPage: true }).catch(() => {});
    }
    throw e;
  }
  passed++;
  console.log(`ok ${name}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** The REST API with the admin bearer token, as the CLI calls it (to set up and to check what the UI did). */
async function rest(method, path, body) {
  const res = await fetch(base + path, { method, headers: { Authorization: `Bearer ${adminToken}`,
    ...(body ? { 'Content-Type': body instanceof Uint8Array ? 'application/octet-stream' : 'application/json' } : {}) },
    body: body instanceof Uint8Array ? body : body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, json: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null };
}

/**
 * axe-core on the page as it is now: prints one line per page (violations by impact) and keeps the serious and critical
 * ones, which fail the last step. Collected rather than thrown so one run names every page's defects.
 */
const axeFailures = [];
const axeChecked = [];
async function axe(page, name) {
  const result = await new AxeBuilder({ page }).analyze();
  const byImpact = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  for (const v of result.violations) byImpact[v.impact] = (byImpact[v.impact] || 0) + v.nodes.length;
  const rules = result.violations.map((v) => `${v.id}:${v.impact}`).join(' ');
  console.log(`axe ${name}: ${Object.entries(byImpact).map(([k, n]) => `${k}=${n}`).join(' ')}${rules ? ` (${rules})` : ''}`);
  for (const v of result.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
    axeFailures.push(`${name}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(' | ')}`);
  }
  axeChecked.push(name);
}

async function waitFor(what, predicate) {
  const until = Date.now() + TIMEOUT;
  for (;;) {
    const v = await predicate();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const browser = await chromium.launch({ executablePath: chromiumPath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'] });
const problems = [];
const foreignRequests = [];
const nodeOrigin = new URL(base).origin;
let exitCode = 0;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  currentPage = page;
  page.on('console', (m) => {
    // Chromium logs every 4xx as a failed resource: those are judged by URL below; any other error is a defect.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    const provoked = [401, 403, 409].includes(r.status()) && r.url().startsWith(`${base}/api/`)
      || r.status() === 401 && r.url() === `${base}/ui/session`
      || r.status() === 400 && r.url() === `${base}/api/v1/backup-targets` // the too-short passphrase, provoked on purpose
      || r.status() === 400 && r.url() === `${base}/api/v1/policies`; // the bad cron, provoked on purpose
    if (r.status() >= 400 && !provoked) problems.push(`${r.request().method()} ${r.url()} answered ${r.status()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => { if (!r.url().startsWith(nodeOrigin) && !r.url().startsWith('http://evil.test')) foreignRequests.push(r.url()); });
  const status = (await rest('GET', '/api/v1/cluster/status')).json;

  await step('the first load of /ui transfers at most 300 KB', async () => {
    // A fresh context has an empty cache: everything the login page needs (HTML, CSS, the ES modules, uPlot, icon)
    // comes over the wire once. Sizes are what Chromium received: headers plus the (possibly compressed) body.
    const responses = [];
    const onResponse = (r) => responses.push(r);
    page.on('response', onResponse);
    await page.goto(`${base}/ui`, { waitUntil: 'networkidle' });
    await page.getByLabel('API token').waitFor();
    page.off('response', onResponse);
    let bytes = 0;
    for (const r of responses) {
      const s = await r.request().sizes();
      bytes += s.responseHeadersSize + s.responseBodySize;
    }
    console.log(`FIGURE ui-first-load bytes=${bytes} requests=${responses.length}`);
    check(responses.length > 3 && bytes > 10_000, `measured ${responses.length} responses, ${bytes} bytes`);
    check(bytes <= 300_000, `the first load transferred ${bytes} bytes (bar: 300 KB)`);
  });

  await step('a wrong token shows the node\'s reason', async () => {
    await page.goto(`${base}/ui`);
    await page.getByLabel('API token').fill('gfs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'unknown or was revoked' }).waitFor();
    await page.getByLabel('API token').fill('not a token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not a GalleonFS API token' }).waitFor();
    await page.screenshot({ path: `${shots}/login.png` });
    await axe(page, 'login');
  });

  await step('admin logs in and sees the overview with the node', async () => {
    await page.getByLabel('API token').fill(adminToken);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#leader').filter({ hasText: status.leader }).waitFor();
    await page.locator('main table').filter({ hasText: status.this_node }).waitFor();
    check((await page.locator('#health').textContent()).includes('healthy'), 'a one-node cluster with no volumes is healthy');
    const cookies = await context.cookies();
    const c = cookies.find((k) => k.name === 'gfs_ui_session');
    check(c && c.httpOnly && c.secure && c.sameSite === 'Strict', `session cookie flags: ${JSON.stringify(c)}`);
    check(!c.value.includes(adminToken) && !adminToken.includes(c.value), 'the cookie does not carry the token');
    check(!(await page.evaluate(() => document.cookie)).includes('gfs_ui_session'), 'scripts cannot read the session cookie');
  });

  await step('the overview chart receives live points', async () => {
    await waitFor('3 points on the overview chart', async () => Number(await page.locator('#chart-iops').getAttribute('data-points')) >= 3);
    await page.screenshot({ path: `${shots}/overview.png`, fullPage: true });
    await axe(page, 'overview');
  });

  await step('create volumes from the volumes page', async () => {
    await page.getByRole('link', { name: 'Volumes' }).click();
    for (const name of ['ui-keep', 'ui-vol']) {
      await page.getByLabel('Name', { exact: true }).fill(name);
      await page.getByLabel('Size').fill('16M');
      await page.getByLabel('Storage class').selectOption('fast-local-ssd');
      await page.getByRole('button', { name: 'Create volume' }).click();
      await page.getByRole('heading', { name: `Volume ${name}` }).waitFor();
      check((await rest('GET', `/api/v1/volumes/${name}`)).status === 200, `${name} exists through the API`);
      if (name === 'ui-keep') await page.getByRole('link', { name: 'Volumes' }).click();
    }
  });

  await step('a bad create shows the problem detail next to the form', async () => {
    await page.getByRole('link', { name: 'Volumes' }).click();
    await page.getByLabel('Name', { exact: true }).fill('ui-vol');
    await page.getByLabel('Size').fill('16M');
    await page.getByRole('button', { name: 'Create volume' }).click();
    await page.locator('#create-volume .error').filter({ hasText: 'ui-vol' }).waitFor();
    const text = await page.locator('#create-volume .error').textContent();
    check(/Conflict \(409\)/.test(text) && !text.includes('{'), `a readable conflict: ${text}`);
    await axe(page, 'volumes');
  });

  await step(`the volume and overview charts move with real writes (${nbdAddress && hasNbdcopy ? 'NBD' : 'REST'})`, async () => {
    await page.getByRole('link', { name: 'ui-vol' }).click();
    await page.getByRole('heading', { name: 'Volume ui-vol' }).waitFor();
    if (nbdAddress) {
      const url = (await page.locator('#nbd-url').textContent()).trim();
      check(url === `nbd://${nbdAddress}/ui-vol`, `the NBD export URL: ${url}`);
    }
    const chunk = new Uint8Array(64 * 1024).fill(7);
    const file = join(tmpdir(), `galleon-dashboard-${process.pid}.bin`);
    writeFileSync(file, chunk);
    const write = async () => {
      if (nbdAddress && hasNbdcopy) {
        const r = spawnSync('nbdcopy', [file, `nbd://${nbdAddress}/ui-vol`], { encoding: 'utf8', timeout: 30_000 });
        check(r.status === 0, `nbdcopy failed: ${r.stderr}`);
      } else {
        const w = await rest('PUT', '/api/v1/volumes/ui-vol/data?offset=0', chunk);
        check(w.status === 200, `write answered ${w.status}`);
      }
    };
    // Writes until the chart's newest point shows write IOPS, after at least `points` points (for a readable screenshot).
    const moved = (id, points = 1) => async () => {
      await write();
      const last = await page.locator(id).getAttribute('data-last');
      return Number(await page.locator(id).getAttribute('data-points')) >= points && last && Number(last.split(',')[1]) > 0;
    };
    try {
      await waitFor('write IOPS on the volume chart', moved('#chart-volume-iops', 6));
      await page.screenshot({ path: `${shots}/volume.png`, fullPage: true });
      await axe(page, 'volume');
      await page.getByRole('link', { name: 'Overview' }).click();
      await waitFor('write IOPS on the overview chart', moved('#chart-iops', 6));
      await page.screenshot({ path: `${shots}/overview-io.png`, fullPage: true });
    } finally {
      rmSync(file, { force: true });
    }
    await page.getByRole('link', { name: 'Volumes' }).click();
    await page.getByRole('link', { name: 'ui-vol' }).click();
    await page.getByRole('heading', { name: 'Volume ui-vol' }).waitFor();
  });

  await step('take a snapshot, expand, then clone it', async () => {
    await page.getByLabel('Snapshot name').fill('s1');
    await page.getByRole('button', { name: 'Take snapshot' }).click();
    await page.locator('tr[data-snapshot="s1"]').waitFor();
    check((await rest('GET', '/api/v1/volumes/ui-vol/snapshots')).json.some((s) => s.name === 's1'), 'snapshot s1 exists');
    await page.getByLabel('New size').fill('32M');
    await page.getByRole('button', { name: 'Expand' }).click();
    await page.locator('#volume-props').filter({ hasText: '32.0 MiB' }).waitFor();
    await page.getByRole('button', { name: 'Clone snapshot s1' }).click();
    await page.getByRole('button', { name: 'Clone', exact: true }).click();
    await page.getByRole('heading', { name: 'Volume ui-vol-s1' }).waitFor();
  });

  await step('a change without the CSRF header is refused', async () => {
    const r = await page.evaluate(async () => {
      const res = await fetch('/api/v1/volumes', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'no-csrf', size: '1M' }) });
      return { status: res.status, body: await res.json() };
    });
    check(r.status === 403 && r.body.detail.includes('CSRF'), `no CSRF header: ${JSON.stringify(r)}`);
    check((await rest('GET', '/api/v1/volumes/no-csrf')).status === 404, 'nothing was created');
  });

  await step('a cross-site form POST is refused', async () => {
    const evil = await context.newPage();
    await evil.route('http://evil.test/**', (route) => route.fulfill({ contentType: 'text/html',
      body: `<form id="f" method="post" enctype="text/plain" action="${base}/api/v1/volumes/ui-keep/snapshots">`
        + '<input name=\'{"name":"evil","x":"\' value=\'"}\'></form>' }));
    await evil.goto('http://evil.test/');
    const [resp] = await Promise.all([evil.waitForResponse((r) => r.url().startsWith(base)), evil.evaluate(() => document.getElementById('f').submit())]);
    check(resp.status() === 403, `the cross-site POST answered ${resp.status()}`);
    check(!(await rest('GET', '/api/v1/volumes/ui-keep/snapshots')).json.some((s) => s.name === 'evil'), 'no snapshot was taken');
    await evil.close();
  });

  await step('delete a volume only after typing its name', async () => {
    await page.getByRole('link', { name: 'Volumes' }).click();
    await page.getByRole('button', { name: 'Delete volume ui-vol', exact: true }).click();
    const dialog = page.getByRole('dialog');
    const confirm = dialog.getByRole('button', { name: 'Delete' });
    check(await confirm.isDisabled(), 'the delete button waits for the name');
    await dialog.getByLabel('Name of the volume').fill('ui-vo');
    check(await confirm.isDisabled(), 'a wrong name keeps it disabled');
    await dialog.getByLabel('Name of the volume').fill('ui-vol');
    await confirm.click();
    await page.locator('#flash').filter({ hasText: 'Volume ui-vol deleted.' }).waitFor();
    check((await rest('GET', '/api/v1/volumes/ui-vol')).status === 404, 'ui-vol is gone');
    check(await page.locator('tr[data-volume="ui-vol"]').count() === 0, 'ui-vol left the list');
  });

  await step('add a directory backup target, back up a volume, watch the job finish and restore it', async () => {
    check(backupDir, 'GALLEON_BACKUP_DIR is not set');
    const pattern = new Uint8Array(64 * 1024).map((_, i) => (i * 31 + 7) & 0xff);
    check((await rest('PUT', '/api/v1/volumes/ui-keep/data?offset=0', pattern)).status === 200, 'wrote a pattern to ui-keep');
    await page.getByRole('link', { name: 'Backups' }).click();
    await page.getByRole('heading', { name: 'Backup targets' }).waitFor();
    await page.getByLabel('Target name').fill('ui-dir');
    await page.getByLabel('URL', { exact: true }).fill(pathToFileURL(backupDir).href);
    await page.getByLabel('Recovery passphrase').fill('short');
    await page.getByRole('button', { name: 'Add target' }).click();
    await page.locator('main .error').filter({ hasText: 'passphrase' }).waitFor();
    await page.getByLabel('Recovery passphrase').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Add target' }).click();
    await page.locator('tr[data-target="ui-dir"]').waitFor();
    check((await rest('GET', '/api/v1/backup-targets/ui-dir')).status === 200, 'the target exists through the API');
    await page.locator('#backup-volume').selectOption('ui-keep');
    await page.locator('#backup-target').selectOption('ui-dir');
    await page.locator('#backup-strategy').selectOption('full');
    await page.getByRole('button', { name: 'Start backup' }).click();
    await page.locator('tr[data-job][data-kind="backup"][data-state="succeeded"]').waitFor();
    const row = page.locator('tr[data-backup][data-volume="ui-keep"]').filter({ hasText: 'completed' });
    await row.waitFor();
    const id = await row.getAttribute('data-backup');
    check((await rest('GET', `/api/v1/backups/${id}`)).json.status === 'completed', `backup ${id} is complete through the API`);
    await page.screenshot({ path: `${shots}/backups.png`, fullPage: true });
    await axe(page, 'backups');
    await page.getByRole('button', { name: `Restore backup ${id} of ui-keep` }).click();
    await page.getByLabel('New volume name').fill('ui-keep-restored');
    await page.getByRole('button', { name: 'Restore to new volume' }).click();
    await page.locator('tr[data-job][data-kind="restore"][data-state="succeeded"]').waitFor();
    const res = await fetch(`${base}/api/v1/volumes/ui-keep-restored/data?offset=0&length=${pattern.length}`,
      { headers: { Authorization: `Bearer ${adminToken}` } });
    check(res.status === 200, `reading the restored volume answered ${res.status}`);
    check(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(pattern)), 'the restored volume holds what ui-keep held');
  });

  await step('cancel a running backup from the backups page', async () => {
    // A full backup of 128 MiB of random data (incompressible, nothing to deduplicate) runs for seconds, long enough
    // for the click; the job table is refreshed each second and right after "Start backup".
    const size = 128 << 20;
    check((await rest('POST', '/api/v1/volumes', { name: 'ui-big', size: '128M', storage_class: 'fast-local-ssd' })).status === 201, 'created ui-big');
    const file = join(tmpdir(), `galleon-dashboard-big-${process.pid}.bin`);
    try {
      const fill = spawnSync('sh', ['-c', `head -c ${size} /dev/urandom > '${file}'`]);
      check(fill.status === 0, 'wrote random data');
      if (nbdAddress && hasNbdcopy) {
        const r = spawnSync('nbdcopy', [file, `nbd://${nbdAddress}/ui-big`], { encoding: 'utf8', timeout: 60_000 });
        check(r.status === 0, `nbdcopy failed: ${r.stderr}`);
      } else {
        const data = readFileSync(file);
        for (let off = 0; off < size; off += 8 << 20) {
          const w = await rest('PUT', `/api/v1/volumes/ui-big/data?offset=${off}`, new Uint8Array(data.subarray(off, off + (8 << 20))));
          check(w.status === 200, `write answered ${w.status}`);
        }
      }
    } finally {
      rmSync(file, { force: true });
    }
    // Already on the backups page: leave it so that coming back loads the volume list again (now with ui-big).
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('link', { name: 'Backups' }).click();
    await page.locator('#backup-volume').selectOption('ui-big');
    await page.locator('#backup-target').selectOption('ui-dir');
    await page.locator('#backup-strategy').selectOption('full');
    await page.getByRole('button', { name: 'Start backup' }).click();
    const row = page.locator('tr[data-job][data-kind="backup"][data-volume="ui-big"]');
    await row.getByRole('button', { name: /^Cancel backup job / }).click();
    await page.locator('#flash').filter({ hasText: 'Cancelling job' }).waitFor();
    await row.and(page.locator('[data-state="cancelled"]')).waitFor();
    const id = await row.getAttribute('data-job');
    const job = (await rest('GET', `/api/v1/jobs/${id}`)).json;
    check(job.state === 'cancelled', `the API reports the job ${JSON.stringify(job)}`);
    check(job.bytes_done < size, `the job stopped before the end: ${job.bytes_done} of ${size}`);
    console.log(`cancelled backup job after ${job.bytes_done} of ${size} bytes`);
    const backup = (await rest('GET', `/api/v1/backups/${job.backup_id}`)).json;
    check(backup && !['running', 'completed'].includes(backup.status), `the cancelled backup is not kept as good: ${JSON.stringify(backup)}`);
    await page.screenshot({ path: `${shots}/backups-cancelled.png`, fullPage: true });
    check((await rest('DELETE', '/api/v1/volumes/ui-big')).status === 204, 'deleted ui-big');
  });

  await step('create a QoS policy and assign it to a volume', async () => {
    await page.getByRole('link', { name: 'QoS' }).click();
    await page.getByLabel('Policy name').fill('ui-gold');
    await page.getByLabel('Limit IOPS').fill('lots');
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.locator('main .error').filter({ hasText: 'whole number' }).waitFor();
    await page.getByLabel('Limit IOPS').fill('500');
    await page.getByLabel('Limit MB/s').fill('20');
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.locator('tr[data-qos="ui-gold"]').filter({ hasText: '500 IOPS, 20 MB/s' }).waitFor();
    await page.goto(`${base}/ui/#/volumes/ui-keep`);
    await page.locator('#volume-qos-policy').selectOption('ui-gold');
    await page.getByRole('button', { name: 'Set QoS policy' }).click();
    await page.locator('#volume-qos').filter({ hasText: 'ui-gold' }).filter({ hasText: '500 IOPS' }).waitFor();
    check((await rest('GET', '/api/v1/volumes/ui-keep/qos')).json.policy_name === 'ui-gold', 'ui-keep follows ui-gold through the API');
    await page.getByRole('link', { name: 'QoS' }).click();
    await page.locator('tr[data-qos="ui-gold"]').filter({ hasText: 'ui-keep' }).waitFor();
    await page.screenshot({ path: `${shots}/qos.png`, fullPage: true });
    await axe(page, 'qos');
  });

  await step('create a policy from pasted YAML, see the node\'s reason for a bad cron, then edit it', async () => {
    await page.getByRole('link', { name: 'Policies' }).click();
    const spec = page.getByLabel('The policy as JSON or YAML');
    // The README's policy file format, as `galleonfs policy create FILE` reads it.
    const yaml = (schedule) => `name: ui-nightly\nschedule: "${schedule}"\nkind: snapshot\nretention: {keep_last: 3}\nselector: {volumes: [ui-keep]}\n`;
    await spec.fill(yaml('0 25 * * *'));
    await page.getByRole('button', { name: 'Create policy' }).click();
    const error = page.locator('#policy-form .error');
    await error.filter({ hasText: "schedule '0 25 * * *'" }).waitFor();
    const text = await error.textContent();
    check(/Bad Request \(400\)/.test(text) && !text.includes('{'), `a readable refusal: ${text}`);
    check((await rest('GET', '/api/v1/policies/ui-nightly')).status === 404, 'nothing was created');
    await spec.fill(yaml('0 2 * * *'));
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.locator('tr[data-policy="ui-nightly"]').filter({ hasText: '0 2 * * *' }).waitFor();
    check((await rest('GET', '/api/v1/policies/ui-nightly')).json.spec.retention.keep_last === 3, 'created through the API');
    await page.getByRole('button', { name: 'Edit policy ui-nightly' }).click();
    await page.getByRole('heading', { name: 'Edit policy ui-nightly' }).waitFor();
    const json = JSON.parse(await spec.inputValue());
    check(json.schedule === '0 2 * * *', `the edit box holds the stored spec: ${JSON.stringify(json)}`);
    json.schedule = '15 3 * * *';
    await spec.fill(JSON.stringify(json, null, 2));
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.locator('tr[data-policy="ui-nightly"]').filter({ hasText: '15 3 * * *' }).waitFor();
    check((await rest('GET', '/api/v1/policies/ui-nightly')).json.spec.schedule === '15 3 * * *', 'edited through the API');
    await page.screenshot({ path: `${shots}/policies-form.png`, fullPage: true });
  });

  await step('suspend and resume a policy, run it now and read its history', async () => {
    await page.getByRole('link', { name: 'Policies' }).click();
    const row = page.locator('tr[data-policy="ui-nightly"]');
    await row.filter({ hasText: 'active' }).waitFor();
    check(/\d{4}-\d\d-\d\dT\d\d:\d\d/.test(await row.innerText()), `the next run is shown: ${await row.innerText()}`);
    await page.getByRole('button', { name: 'Suspend policy ui-nightly' }).click();
    await row.locator('.policy-status').filter({ hasText: 'suspended' }).waitFor();
    check((await rest('GET', '/api/v1/policies/ui-nightly')).json.status === 'suspended', 'suspended through the API');
    await page.getByRole('button', { name: 'Resume policy ui-nightly' }).click();
    await row.locator('.policy-status').filter({ hasText: 'active' }).waitFor();
    check((await rest('GET', '/api/v1/policies/ui-nightly')).json.status === 'active', 'resumed through the API');
    await page.getByRole('button', { name: 'Run now: policy ui-nightly' }).click();
    await page.locator('#flash').filter({ hasText: 'will run now' }).waitFor();
    await page.getByRole('button', { name: 'History of policy ui-nightly' }).click();
    await page.locator('#policy-history tr[data-run]').first().waitFor();
    await page.screenshot({ path: `${shots}/policies.png`, fullPage: true });
    await axe(page, 'policies');
  });

  await step('admin reads the audit log with its filters', async () => {
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.locator('#audit-records tr[data-seq]').first().waitFor();
    check((await page.locator('#audit-chain').textContent()).includes('intact'), 'the hash chain is reported intact');
    await page.getByLabel('Action or resource').fill('qos-policy');
    await page.getByRole('button', { name: 'Show' }).click();
    // The filtered table replaces the full one when the answer arrives: wait until only matching rows are left.
    await waitFor('only records about qos-policy', async () => {
      const rows = await page.locator('#audit-records tbody tr').allInnerTexts();
      return rows.length > 0 && rows.every((r) => r.includes('qos-policy')) && rows.some((r) => r.includes('/volumes/ui-keep/qos-policy'));
    });
    await page.screenshot({ path: `${shots}/audit.png`, fullPage: true });
    await axe(page, 'audit');
  });

  let viewerSecret;
  await step('admin creates a viewer token on the tokens page and a storage class from pasted YAML', async () => {
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.getByLabel('Name', { exact: true }).fill('ui-viewer');
    await page.getByLabel('Role').selectOption('viewer');
    await page.getByRole('button', { name: 'Create token' }).click();
    viewerSecret = (await page.locator('#token-secret .secret').textContent()).trim();
    check(/^gfs_[A-Za-z0-9_-]{43}$/.test(viewerSecret), 'the new secret is shown once');
    await page.screenshot({ path: `${shots}/tokens.png`, fullPage: true });
    await axe(page, 'tokens');
    await page.goto(`${base}/ui/#/classes`);
    await page.getByLabel('The storage class as JSON or YAML').fill('name: ui-yaml\nprovisioner: galleonfs.io/local\nparameters:\n  replication: "1"\n');
    await page.getByRole('button', { name: 'Create storage class' }).click();
    await page.locator('#flash').filter({ hasText: 'Storage class ui-yaml created.' }).waitFor();
    check((await rest('GET', '/api/v1/storage-classes/ui-yaml')).status === 200, 'the class pasted as YAML exists through the API');
    for (const hash of ['#/nodes', '#/classes']) {
      await page.goto(`${base}/ui/${hash}`);
      await page.locator('main h1').waitFor();
      await page.screenshot({ path: `${shots}/${hash.slice(2)}.png`, fullPage: true });
      await axe(page, hash.slice(2));
    }
  });

  await step('log out ends the session', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('API token').waitFor();
    const r = await page.evaluate(async () => (await fetch('/api/v1/volumes')).status);
    check(r === 401, `after logout the API answers ${r}`);
  });

  await step('a viewer sees no destructive buttons and the API refuses a forged delete', async () => {
    await page.getByLabel('API token').fill(viewerSecret);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#who').filter({ hasText: 'viewer' }).waitFor();
    check(await page.getByRole('link', { name: 'Tokens' }).isHidden(), 'no tokens page for a viewer');
    await page.getByRole('link', { name: 'Volumes' }).click();
    await page.locator('tr[data-volume="ui-keep"]').waitFor();
    check(await page.getByRole('button', { name: /Delete/ }).count() === 0, 'no delete button on the volumes page');
    check(await page.locator('#create-volume').count() === 0, 'no create form');
    await page.getByRole('link', { name: 'ui-keep', exact: true }).click();
    await page.getByRole('heading', { name: 'Volume ui-keep' }).waitFor();
    check(await page.getByRole('button').filter({ hasText: /Delete|Restore|Expand|Take snapshot/ }).count() === 0, 'no actions on the detail page');
    await page.screenshot({ path: `${shots}/viewer-volume.png`, fullPage: true });
    await axe(page, 'viewer-volume');
    const r = await page.evaluate(async () => {
      const csrf = (await (await fetch('/ui/session')).json()).csrf;
      const res = await fetch('/api/v1/volumes/ui-keep', { method: 'DELETE', headers: { 'X-Galleon-CSRF': csrf } });
      return { status: res.status, body: await res.json() };
    });
    check(r.status === 403 && r.body.detail.includes('needs operator'), `a viewer's forged delete: ${JSON.stringify(r)}`);
    check((await rest('GET', '/api/v1/volumes/ui-keep')).status === 200, 'ui-keep is still there');
  });

  await step('a viewer sees backups, policies and QoS without any changing button, and no audit log', async () => {
    check(await page.getByRole('link', { name: 'Audit' }).isHidden(), 'no audit link for a viewer');
    const changing = /Delete|Restore|Verify|Cancel|Start backup|Add target|Suspend|Resume|Run now|Edit|Create|Set QoS/;
    for (const [hash, marker] of [['#/backups', 'tr[data-backup]'], ['#/policies', 'tr[data-policy="ui-nightly"]'], ['#/qos', 'tr[data-qos="ui-gold"]'],
      ['#/volumes/ui-keep', '#volume-qos']]) {
      await page.goto(`${base}/ui/${hash}`);
      await page.locator(marker).first().waitFor();
      check(await page.locator('main button').filter({ hasText: changing }).count() === 0, `no changing button on ${hash}`);
      check(await page.locator('main form').count() === 0, `no form on ${hash}`);
      await page.screenshot({ path: `${shots}/viewer-${hash.slice(2).replace('/', '-')}.png`, fullPage: true });
    }
    await page.goto(`${base}/ui/#/audit`);
    await page.locator('main').filter({ hasText: 'Only an admin token may read the audit log.' }).waitFor();
    const r = await page.evaluate(async () => (await fetch('/api/v1/audit')).status);
    check(r === 403, `a viewer reading the audit log: ${r}`);
  });

  await step('every page rendered without script errors, CSP violations or foreign requests', async () => {
    for (const hash of ['#/overview', '#/nodes', '#/classes']) {
      await page.goto(`${base}/ui/${hash}`);
      await page.locator('main h1').waitFor();
      await page.screenshot({ path: `${shots}/viewer-${hash.slice(2)}.png`, fullPage: true });
    }
    await page.setViewportSize({ width: 390, height: 844 });
    for (const hash of ['#/overview', '#/volumes/ui-keep']) {
      await page.goto(`${base}/ui/${hash}`);
      await page.locator('main h1').waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(overflow <= 0, `${hash} is ${overflow}px wider than a phone screen`);
    }
    await page.screenshot({ path: `${shots}/phone-volume.png`, fullPage: true });
    await axe(page, 'phone-volume');
    check(problems.length === 0, `problems in the page:\n${problems.join('\n')}`);
    check(foreignRequests.length === 0, `requests to other hosts: ${foreignRequests.join(', ')}`);
  });
  await step('axe-core finds no serious or critical violation on any page', async () => {
    check(axeChecked.length >= 12, `axe ran on ${axeChecked.length} pages only: ${axeChecked.join(', ')}`);
    check(axeFailures.length === 0, `accessibility violations:\n${axeFailures.join('\n')}`);
  });
  console.log(`dashboard: ${passed} passed, 0 failed`);
} catch (e) {
  console.log(`dashboard: ${passed} passed, 1 failed`);
  exitCode = 1;
} finally {
  await browser.close();
}
process.exit(exitCode);
