// End-to-end test of the exported client (`openchat web export`) served from
// other origins, as from an object store behind a CDN:
// `OPENCHAT_BIN=… npm run e2e:crossorigin`. Three origins:
//   site   http://localhost:S    index.html and config.json (SPA fallback)
//   assets http://127.0.0.1:C    the hashed files (--asset-url), precompressed
//   api    http://127.0.0.1:A    the server, with --allowed-origins site
// The client must sign in with a bearer token, call the API with CORS and
// open the WebSocket with ?token=. A fourth origin, http://127.0.0.1:S (the
// same files, not allowed), must be kept out by the browser. The server's
// own pages (same origin, cookie) load their assets from the asset origin.
import { spawn, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, joinFromDirectory, launch, sleep } from './lib.mjs';

const BIN = process.env.OPENCHAT_BIN;
const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results');
const START_TIMEOUT_MS = 20_000; // server start-up, migrations included
const STEP_TIMEOUT_MS = 15_000; // any single UI expectation
if (!BIN || !existsSync(BIN)) {
  console.error('set OPENCHAT_BIN to a built openchat binary (go build -o bin/openchat ./cmd/openchat)');
  process.exit(2);
}
mkdirSync(OUT, { recursive: true });

const [apiPort, sitePort, assetPort] = [await freePort(), await freePort(), await freePort()];
const api = `http://127.0.0.1:${apiPort}`;
const site = `http://localhost:${sitePort}`;
const assets = `http://127.0.0.1:${assetPort}`;
const foreign = `http://127.0.0.1:${sitePort}`; // same files, an origin the server does not allow
const dataDir = mkdtempSync(join(tmpdir(), 'openchat-xo-'));
const exportDir = mkdtempSync(join(tmpdir(), 'openchat-site-'));
const log = createWriteStream(join(OUT, 'crossorigin-server.log'));

execFileSync(BIN, ['web', 'export', '--api-origin', api, '--asset-url', assets + '/', exportDir], { stdio: 'inherit' });
// The server's own pages load their assets from the same CDN (--asset-url).
const server = spawn(BIN, ['serve', '--addr', `127.0.0.1:${apiPort}`, '--data-dir', dataDir, '--allowed-origins', site, '--asset-url', assets + '/'], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
server.stdout.pipe(log, { end: false });
server.stderr.pipe(log, { end: false });
const exited = new Promise((r) => server.on('exit', (code, sig) => r({ code, sig })));

// The "CDN": static files as an object store serves them. Hashed files are
// sent precompressed when the browser accepts it, unknown /assets/ are 404,
// and every other path falls back to index.html (client-side routes). The
// asset origin must send Access-Control-Allow-Origin: browsers fetch module
// scripts (and the stylesheet Vite marks `crossorigin`) in CORS mode.
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml' };
const served = []; // {origin, path, encoding}
function staticSite(origin, cors) {
  return createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, origin).pathname));
    let file = join(exportDir, path);
    const headers = { Vary: 'Accept-Encoding' };
    if (cors) headers['Access-Control-Allow-Origin'] = '*';
    if (!existsSync(file) || statSync(file).isDirectory()) {
      if (path.startsWith('/assets/')) {
        res.writeHead(404, headers).end();
        return;
      }
      file = join(exportDir, 'index.html');
    }
    headers['Content-Type'] = types[extname(file)] ?? 'application/octet-stream';
    let encoding = '';
    const accept = String(req.headers['accept-encoding'] ?? '');
    for (const [enc, ext] of [['br', '.br'], ['gzip', '.gz']]) {
      if (!encoding && accept.includes(enc) && existsSync(file + ext)) {
        encoding = enc;
        file += ext;
        headers['Content-Encoding'] = enc;
      }
    }
    served.push({ origin, path, encoding });
    res.writeHead(200, headers).end(readFileSync(file));
  });
}
const siteServer = staticSite(site, false);
const assetServer = staticSite(assets, true);
await new Promise((r) => siteServer.listen(sitePort, '127.0.0.1', r));
await new Promise((r) => assetServer.listen(assetPort, '127.0.0.1', r));

const results = [];
async function step(name, f) {
  try {
    await f();
    results.push(true);
    console.log(`ok   ${name}`);
  } catch (e) {
    results.push(false);
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
    if (problems.length) console.log('browser errors:\n' + problems.join('\n'));
    throw e;
  }
}

let browser = null;
const suffix = Date.now().toString(36).slice(-5);
const problems = []; // errors on the allowed site: there must be none
const apiCalls = []; // {page, url, method, headers} of the allowed site's API requests
const sockets = []; // URLs of the WebSockets the allowed site opened
const password = 'correct horse battery';

async function openSite(origin) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  ctx.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await ctx.newPage();
  if (origin === site) {
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('console', (m) => {
      // The signed-out start-up probe of /me is answered 401 by design.
      if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(m.text());
    });
    page.on('request', async (r) => {
      if (r.url().startsWith(api + '/api/') && r.method() !== 'OPTIONS') apiCalls.push({ page, url: r.url(), method: r.method(), headers: await r.allHeaders() });
    });
    page.on('websocket', (ws) => sockets.push(ws.url()));
  }
  await page.goto(origin + '/');
  return { ctx, page };
}

async function signUp(name) {
  const s = await openSite(site);
  const u = { username: `${name}_${suffix}`, email: `${name}_${suffix}@example.org` };
  await s.page.getByRole('tab', { name: 'Create account' }).click();
  await s.page.getByLabel('Username').fill(u.username);
  await s.page.getByLabel('Display name').fill(name);
  await s.page.getByLabel('E-mail').fill(u.email);
  await s.page.getByLabel('Password').fill(password);
  await s.page.locator('form').getByRole('button', { name: 'Create account' }).click();
  await s.page.getByText('Welcome to OpenChat').waitFor();
  return { ...s, u };
}

async function signIn(page, username) {
  await page.getByRole('tab', { name: 'Sign in' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.locator('form').getByRole('button', { name: 'Sign in' }).click();
}

const token = (page) => page.evaluate(() => localStorage.getItem('openchat_token'));

const once = async (page, text) => {
  const loc = page.locator('.msg', { hasText: text });
  await loc.first().waitFor();
  if ((await loc.count()) !== 1) throw new Error(`"${text}" shown ${await loc.count()} times`);
};

async function send(page, room, text) {
  const box = page.getByLabel('Message #' + room);
  await box.click();
  await box.pressSequentially(text);
  await box.press('Enter');
  await page.locator('.msg:not(.pending)', { hasText: text }).waitFor();
}

let exitCode = 1;
try {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const done = await Promise.race([exited, sleep(100).then(() => null)]);
    if (done) throw new Error(`server exited during start-up: ${JSON.stringify(done)} (see test-results/crossorigin-server.log)`);
    if (await fetch(api + '/readyz').then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error('server did not become ready');
  }
  browser = await launch();

  let A, B;
  const room = 'cdn-' + suffix;
  await step('the exported site loads its hashed assets from the asset origin, precompressed', async () => {
    A = await signUp('cara');
    const fromAssets = served.filter((s) => s.origin === assets && /^\/assets\/index-.*\.(js|css)$/.test(s.path));
    if (fromAssets.length < 2) throw new Error('script and stylesheet not fetched from ' + assets + ': ' + JSON.stringify(served));
    if (!fromAssets.every((s) => s.encoding === 'br')) throw new Error('assets not sent as brotli: ' + JSON.stringify(fromAssets));
    if (served.some((s) => s.origin === site && s.path.startsWith('/assets/'))) throw new Error('assets fetched from the site origin');
    if (!served.some((s) => s.origin === site && s.path === '/config.json')) throw new Error('config.json not read from the site');
  });

  await step('sign-up signs in with a bearer token; the API sees no cookies', async () => {
    B = await signUp('dan');
    if (!(await token(A.page)) || !(await token(B.page))) throw new Error('no bearer token kept in localStorage');
    // Before the sign-in the client probes /me without credentials; after
    // it, every call must carry the token, and none may carry a cookie.
    const authed = [A.page, B.page].flatMap((p) => {
      const calls = apiCalls.filter((c) => c.page === p);
      return calls.slice(calls.findIndex((c) => c.method === 'POST' && c.url.endsWith('/sessions')) + 1);
    });
    if (!authed.some((c) => c.url.endsWith('/rooms'))) throw new Error('no signed-in API calls seen');
    const bad = authed.filter((c) => !/^Bearer \S{20,}$/.test(c.headers.authorization ?? '') || c.headers.cookie);
    if (bad.length) throw new Error('API calls without the bearer token or with cookies: ' + JSON.stringify(bad.map(({ page, ...c }) => c)));
    if (apiCalls.some((c) => c.headers.cookie)) throw new Error('a cookie was sent to the API');
  });

  await step('create a room and chat both ways over the cross-origin WebSocket (?token=)', async () => {
    await A.page.getByRole('button', { name: 'Create room' }).click();
    await A.page.getByLabel('Room name').fill(room);
    await A.page.locator('form[aria-label="Create room"]').getByRole('button', { name: 'Create' }).click();
    await A.page.getByRole('heading', { name: room }).waitFor();
    await joinFromDirectory(B.page, room);
    await A.page.locator('.conn-online').waitFor({ state: 'attached' });
    await B.page.locator('.conn-online').waitFor({ state: 'attached' });
    await send(A.page, room, 'Served from a CDN');
    await once(B.page, 'Served from a CDN');
    await send(B.page, room, 'And the reply comes back live');
    await once(A.page, 'And the reply comes back live');
    const ws = api.replace(/^http/, 'ws') + '/api/v1/ws?token=';
    if (!sockets.length || !sockets.every((u) => u.startsWith(ws))) throw new Error('WebSocket URLs: ' + sockets.join(', '));
  });

  await step('sign out revokes the token; signing in again shows the history', async () => {
    const old = await token(B.page);
    await B.page.getByRole('link', { name: 'Settings' }).click();
    await B.page.getByRole('button', { name: 'Sign out' }).click();
    await B.page.getByRole('tab', { name: 'Sign in' }).waitFor();
    if (await token(B.page)) throw new Error('token left in localStorage after sign-out');
    const me = await fetch(api + '/api/v1/me', { headers: { Authorization: 'Bearer ' + old } });
    if (me.status !== 401) throw new Error(`old token still accepted: ${me.status}`);
    await signIn(B.page, B.u.username);
    await B.page.getByRole('link', { name: room }).click();
    await once(B.page, 'Served from a CDN');
    await once(B.page, 'And the reply comes back live');
    const fresh = await token(B.page);
    if (!fresh || fresh === old) throw new Error('no new token after signing in');
  });

  await step('reload keeps the session and shows the history', async () => {
    await A.page.reload();
    await A.page.getByRole('heading', { name: room }).waitFor();
    await once(A.page, 'Served from a CDN');
    await once(A.page, 'And the reply comes back live');
  });

  await step("the server's own page loads its assets from --asset-url under its CSP, signs in by cookie", async () => {
    const before = served.length;
    const S = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    S.setDefaultTimeout(STEP_TIMEOUT_MS);
    const page = await S.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && !/status of 401/.test(m.text()) && errors.push(m.text()));
    await page.goto(api + '/');
    await signIn(page, A.u.username);
    await page.getByRole('link', { name: room }).click();
    await once(page, 'And the reply comes back live');
    await page.locator('.conn-online').waitFor({ state: 'attached' });
    if (!served.slice(before).some((s) => s.origin === assets && s.path.endsWith('.js'))) throw new Error('script not loaded from ' + assets);
    if (!(await S.cookies(api)).length || (await token(page))) throw new Error('same-origin page should use the cookie, not a token');
    if (errors.length) throw new Error(errors.join('\n'));
    await S.close();
  });

  await step('the server answers CORS preflights for the allowed origin only', async () => {
    const pre = (origin) =>
      fetch(api + '/api/v1/rooms', { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' } });
    const ok = await pre(site);
    if (ok.status !== 204 || ok.headers.get('access-control-allow-origin') !== site) throw new Error(`preflight from ${site}: ${ok.status}`);
    const bad = await pre(foreign);
    if (bad.headers.get('access-control-allow-origin')) throw new Error('CORS headers sent to ' + foreign);
  });

  await step('a disallowed origin is kept out: the client, fetch and WebSocket all fail', async () => {
    const F = await openSite(foreign);
    // The client's first call (/me) is blocked, so it says it cannot connect.
    await F.page.getByRole('alert').filter({ hasText: 'Cannot reach OpenChat' }).waitFor();
    const tok = await token(A.page);
    const r = await F.page.evaluate(
      async ({ api, tok }) => {
        const out = {};
        try {
          const res = await fetch(api + '/api/v1/me', { headers: { Authorization: 'Bearer ' + tok } });
          out.fetch = 'status ' + res.status;
        } catch (e) {
          out.fetch = e.name;
        }
        out.ws = await new Promise((done) => {
          const ws = new WebSocket(api.replace(/^http/, 'ws') + '/api/v1/ws?token=' + encodeURIComponent(tok));
          ws.onopen = () => (ws.close(), done('open'));
          ws.onclose = () => done('closed');
        });
        return out;
      },
      { api, tok },
    );
    if (r.fetch !== 'TypeError' || r.ws !== 'closed') throw new Error('from ' + foreign + ': ' + JSON.stringify(r));
    await F.ctx.close();
  });

  await step('no CORS, CSP or page errors on the allowed site', async () => {
    if (problems.length) throw new Error(problems.join('\n'));
  });
  exitCode = 0;
} catch (e) {
  if (!results.length) console.log(`FAIL setup: ${e?.stack ?? e}`);
  exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
  siteServer.close();
  assetServer.close();
  server.kill('SIGTERM');
  const stopped = await Promise.race([exited, sleep(10_000).then(() => null)]);
  if (!stopped) server.kill('SIGKILL');
  await exited;
  log.end();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(exportDir, { recursive: true, force: true });
  const passed = results.filter(Boolean).length;
  console.log(`\ne2e-crossorigin: ${passed} passed, ${results.length - passed} failed`);
  process.exit(exitCode);
}
