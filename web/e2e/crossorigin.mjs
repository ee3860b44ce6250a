// End-to-end test of the exported client (`openchat web export`) served from
// another origin, as from a CDN: `OPENCHAT_BIN=… node e2e/crossorigin.mjs`.
// The page lives on http://localhost:B, the API on http://127.0.0.1:A; the
// client must sign in with a bearer token, call the API with CORS and open
// the WebSocket with ?token=.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer as createHTTPServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { freePort, launch, sleep } from './lib.mjs';

const BIN = process.env.OPENCHAT_BIN;
const STEP_TIMEOUT_MS = 15_000;
if (!BIN || !existsSync(BIN)) {
  console.error('set OPENCHAT_BIN to a built openchat binary');
  process.exit(2);
}


const apiPort = await freePort();
const sitePort = await freePort();
const api = `http://127.0.0.1:${apiPort}`;
const site = `http://localhost:${sitePort}`;
const dataDir = mkdtempSync(join(tmpdir(), 'openchat-xo-'));
const exportDir = mkdtempSync(join(tmpdir(), 'openchat-site-'));

execFileSync(BIN, ['web', 'export', '--api-origin', api, exportDir], { stdio: 'inherit' });
const server = spawn(BIN, ['serve', '--addr', `127.0.0.1:${apiPort}`, '--data-dir', dataDir, '--allowed-origins', site, '--log-level', 'warn'], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
for (let i = 0; ; i++) {
  try {
    if ((await fetch(api + '/readyz')).ok) break;
  } catch {
    // not up yet
  }
  if (i > 200) throw new Error('server did not start');
  await sleep(100);
}

// The "CDN": static files with the SPA fallback an object store is set up with.
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml' };
const cdn = createHTTPServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, site).pathname)).replace(/^(\.\.[/\\])+/, '');
  let file = join(exportDir, path);
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(exportDir, 'index.html');
  res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
  res.end(readFileSync(file));
});
await new Promise((r) => cdn.listen(sitePort, '127.0.0.1', r));

const results = [];
async function step(name, f) {
  try {
    await f();
    results.push(true);
    console.log(`ok   ${name}`);
  } catch (e) {
    results.push(false);
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
    throw e;
  }
}

const browser = await launch();
const suffix = Date.now().toString(36).slice(-5);
const problems = [];
async function newUser(name) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  ctx.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && /CORS|Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  const u = { username: `${name}_${suffix}`, email: `${name}_${suffix}@example.org`, password: 'correct horse battery' };
  await page.goto(site + '/');
  await page.getByRole('tab', { name: 'Create account' }).click();
  await page.getByLabel('Username').fill(u.username);
  await page.getByLabel('Display name').fill(name);
  await page.getByLabel('E-mail').fill(u.email);
  await page.getByLabel('Password').fill(u.password);
  await page.locator('form').getByRole('button', { name: 'Create account' }).click();
  await page.getByText('Welcome to OpenChat').waitFor();
  return { ctx, page, u };
}
const once = async (page, text) => {
  const loc = page.locator('.msg', { hasText: text });
  await loc.first().waitFor();
  if ((await loc.count()) !== 1) throw new Error(`"${text}" shown ${await loc.count()} times`);
};

let exitCode = 1;
try {
  let A, B;
  await step('exported client signs up two users against the other origin', async () => {
    A = await newUser('cara');
    B = await newUser('dan');
    const token = await A.page.evaluate(() => Object.entries(localStorage).find(([, v]) => typeof v === 'string' && v.length >= 40));
    if (!token) throw new Error('no bearer token kept in localStorage for the cross-origin API');
  });
  const room = 'cdn-' + suffix;
  await step('create a room and chat live over the cross-origin WebSocket', async () => {
    await A.page.getByRole('button', { name: 'Create room' }).click();
    await A.page.getByLabel('Room name').fill(room);
    await A.page.locator('form[aria-label="Create room"]').getByRole('button', { name: 'Create' }).click();
    await A.page.getByRole('heading', { name: room }).waitFor();
    await B.page.reload();
    await B.page.getByRole('link', { name: room }).click();
    await B.page.getByRole('heading', { name: room }).waitFor();
    await B.page.locator('.conn-online').waitFor({ state: 'attached' });
    await A.page.locator('.conn-online').waitFor({ state: 'attached' });
    const box = A.page.getByLabel('Message #' + room);
    await box.click();
    await box.pressSequentially('Served from a CDN');
    await box.press('Enter');
    await once(B.page, 'Served from a CDN');
    await A.page.locator('.msg:not(.pending)', { hasText: 'Served from a CDN' }).waitFor();
  });
  await step('reload keeps the session and shows the history', async () => {
    await B.page.reload();
    await once(B.page, 'Served from a CDN');
  });
  await step('CORS: the allowed origin gets headers, another origin none', async () => {
    const ok = await fetch(api + '/api/v1/rooms', { method: 'OPTIONS', headers: { Origin: site, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' } });
    if (ok.headers.get('access-control-allow-origin') !== site) throw new Error('preflight from the allowed origin not answered: ' + ok.status);
    const bad = await fetch(api + '/api/v1/rooms', { headers: { Origin: 'http://evil.example' } });
    if (bad.headers.get('access-control-allow-origin')) throw new Error('CORS headers sent to a foreign origin');
  });
  await step('no CORS, CSP or page errors', async () => {
    if (problems.length) throw new Error(problems.join('\n'));
  });
  exitCode = 0;
} catch {
  exitCode = 1;
} finally {
  await browser.close().catch(() => {});
  cdn.close();
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(exportDir, { recursive: true, force: true });
  const passed = results.filter(Boolean).length;
  console.log(`\ne2e-crossorigin: ${passed} passed, ${results.length - passed} failed`);
  process.exit(exitCode);
}
