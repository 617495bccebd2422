// The dashboard over HTTPS, on a node started with --tls. Run by DashboardBrowserIT:
//   GALLEON_URL=https://127.0.0.1:PORT GALLEON_ADMIN_TOKEN=gfs_... GALLEON_CA=<storage>/tls/ca.crt node dashboard-tls.mjs
// Prints "ok <step>" per step and "dashboard-tls: N passed, 0 failed"; exits 1 with the reason on a failure.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { X509Certificate, createHash } from 'node:crypto';

const base = required('GALLEON_URL');
const adminToken = required('GALLEON_ADMIN_TOKEN');
const caFile = required('GALLEON_CA');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const TIMEOUT = 20_000;
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

function required(name) {
  const v = process.env[name];
  if (!v) { console.error(`${name} is not set`); process.exit(2); }
  return v;
}

let passed = 0;
let currentPage = null;
const problems = [];
async function step(name, fn) {
  try {
    await fn();
  } catch (e) {
    console.error(`FAILED ${name}: ${e && e.stack ? e.stack : e}`);
    if (problems.length) console.error(`problems in the page:\n${problems.join('\n')}`);
    if (currentPage) console.error(`page text: ${(await currentPage.locator('body').innerText().catch(() => '?')).slice(0, 2000)}`);
    throw e;
  }
  passed++;
  console.log(`ok ${name}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// The node's certificate is issued by the cluster's own CA, which no browser trusts. Rather than ignoring every
// certificate error (ignoreHTTPSErrors), Chromium is told to accept chains that contain this CA's public key
// (SPKI SHA-256): a certificate from any other issuer is still refused.
const caSpki = createHash('sha256')
  .update(new X509Certificate(readFileSync(caFile)).publicKey.export({ type: 'spki', format: 'der' })).digest('base64');

let exitCode = 0;
const browsers = [];
try {
  await step('without the cluster CA the browser refuses the node\'s certificate', async () => {
    const plain = await chromium.launch({ executablePath: chromiumPath, args: FLAGS });
    browsers.push(plain);
    const page = await plain.newPage();
    const error = await page.goto(`${base}/ui/`, { timeout: TIMEOUT }).then(() => null, (e) => e.message);
    check(error && /ERR_CERT/.test(error), `an untrusted certificate was accepted: ${error}`);
  });

  const browser = await chromium.launch({ executablePath: chromiumPath, args: [...FLAGS, `--ignore-certificate-errors-spki-list=${caSpki}`] });
  browsers.push(browser);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  currentPage = page;
  // The live stream is aborted when the page logs out; any other failed request is a defect.
  page.on('requestfailed', (r) => {
    if (!(r.url().endsWith('/metrics/stream') && r.failure()?.errorText === 'net::ERR_ABORTED')) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // Chromium logs every 4xx as a failed resource (the 401 of GET /ui/session before logging in is expected); any
  // other console error is a defect.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !(r.status() === 401 && r.url() === `${base}/ui/session`)) problems.push(`${r.request().method()} ${r.url()} answered ${r.status()}`);
  });

  await step('log in over HTTPS; the session cookie is Secure, HttpOnly and SameSite=Strict', async () => {
    const response = await page.goto(`${base}/ui/`);
    check(response.ok(), `GET /ui/ answered ${response.status()}`);
    const security = await response.securityDetails();
    check(security && /^TLS 1\.[23]$/.test(security.protocol), `TLS: ${JSON.stringify(security)}`);
    await page.getByLabel('API token').fill(adminToken);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#leader').filter({ hasText: /\S/ }).waitFor();
    const c = (await context.cookies()).find((k) => k.name === 'gfs_ui_session');
    check(c && c.secure && c.httpOnly && c.sameSite === 'Strict', `session cookie flags: ${JSON.stringify(c)}`);
    check(await page.evaluate(() => window.isSecureContext && location.protocol === 'https:'), 'a secure https: context');
  });

  await step('the API answers the session over HTTPS and the live chart streams', async () => {
    const status = await page.evaluate(async () => (await fetch('/api/v1/volumes')).status);
    check(status === 200, `GET /api/v1/volumes answered ${status}`);
    await page.waitForFunction(() => Number(document.querySelector('#chart-iops')?.dataset.points) >= 2, null, { timeout: TIMEOUT });
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('API token').waitFor();
    check(problems.length === 0, `problems in the page:\n${problems.join('\n')}`);
  });
  console.log(`dashboard-tls: ${passed} passed, 0 failed`);
} catch (e) {
  console.log(`dashboard-tls: ${passed} passed, 1 failed`);
  exitCode = 1;
} finally {
  for (const b of browsers) await b.close();
}
process.exit(exitCode);
