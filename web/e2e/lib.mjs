// Helpers shared by the end-to-end scripts.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// The flags the test machines need: no sandbox as root, and no background
// traffic to hosts this closed network cannot reach.
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

// Playwright gives every launch a fresh temporary profile (user-data-dir).
export const launch = () => chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });

// The server under test: `serve` on a free port with its own data directory,
// its output appended to log. ready() resolves when /readyz answers.
export async function startServer({ bin, port, dataDir, log, args = [], timeoutMs = 20_000 }) {
  const base = `http://127.0.0.1:${port}`;
  const p = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--data-dir', dataDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  p.stdout.pipe(log, { end: false });
  p.stderr.pipe(log, { end: false });
  p.exited = new Promise((r) => p.on('exit', (code, sig) => r({ code, sig })));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const done = await Promise.race([p.exited, sleep(100).then(() => null)]);
    if (done) throw new Error(`server exited during start-up: ${JSON.stringify(done)} (see the server log in test-results/)`);
    try {
      if ((await fetch(base + '/readyz')).ok) return p;
    } catch {
      // not listening yet
    }
  }
  throw new Error('server did not become ready');
}

/** stopServer asks the server to stop, and kills it after 10 s. */
export async function stopServer(p) {
  if (!p) return;
  p.kill('SIGTERM');
  const r = await Promise.race([p.exited, sleep(10_000).then(() => null)]);
  if (!r) p.kill('SIGKILL');
  await p.exited;
}

/** stepper returns step(name, f), which logs and records each step and rethrows its failure. */
export function stepper(results) {
  return async function step(name, f) {
    const t0 = Date.now();
    try {
      await f();
      results.push({ name, ok: true });
      console.log(`ok   ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      results.push({ name, ok: false });
      console.log(`FAIL ${name}: ${e?.stack ?? e}`);
      throw e;
    }
  };
}

/** signUpUI creates an account through the sign-up form and waits for the signed-in app. */
export async function signUpUI(page, base, u) {
  await page.goto(base + '/');
  await page.getByRole('tab', { name: 'Create account' }).click();
  await page.getByLabel('Username').fill(u.username);
  await page.getByLabel('Display name').fill(u.display);
  await page.getByLabel('E-mail').fill(u.email);
  await page.getByLabel('Password').fill(u.password);
  await page.locator('form').getByRole('button', { name: 'Create account' }).click();
  await page.getByText('Welcome to OpenChat').waitFor();
}

/** joinFromDirectory finds a public room in Browse rooms and joins it (the room list must be on screen). */
export async function joinFromDirectory(page, name) {
  await page.getByRole('link', { name: 'Browse rooms' }).click();
  await page.getByLabel('Search rooms').fill(name);
  await page.getByRole('button', { name: 'Join #' + name, exact: true }).click();
  await page.getByRole('heading', { name }).waitFor();
}

/**
 * newUser opens a browser context with one page; CSP violations and page
 * errors it reports are pushed to problems.
 */
export async function newUser(browser, { viewport, colorScheme = 'light', timeoutMs, problems }) {
  const ctx = await browser.newContext({ viewport, colorScheme, deviceScaleFactor: 1 });
  ctx.setDefaultTimeout(timeoutMs);
  const page = await ctx.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return { ctx, page };
}

/** openDrawerIfPhone shows the room list at phone width (at desktop width it is always shown). */
export async function openDrawerIfPhone(page) {
  if (page.viewportSize().width > 760 || (await page.locator('.drawer-open').count())) return;
  await page.getByRole('button', { name: 'Open room list' }).click();
  await page.locator('.drawer-open').waitFor();
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe injects axe-core through the DevTools protocol (page.evaluate is not
 * bound by the page's CSP, which forbids inline scripts: the server's
 * policy stays as it is) and returns the violations on the page.
 */
export async function axe(page) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(AXE);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + (n.failureSummary ? ' — ' + n.failureSummary.split('\n').slice(1, 2).join('') : '')) }));
  });
}

/** OUT is where the suites write server logs and other results. */
export const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results');

/**
 * suite prepares one end-to-end file: the server binary (OPENCHAT_BIN, or
 * exit 2), a fresh data directory, a server log, a free port, a browser and
 * the step list. finish undoes it.
 */
export async function suite(name) {
  const bin = process.env.OPENCHAT_BIN;
  if (!bin || !existsSync(bin)) {
    console.error('set OPENCHAT_BIN to a built openchat binary (go build -o bin/openchat ./cmd/openchat)');
    process.exit(2);
  }
  mkdirSync(OUT, { recursive: true });
  const port = await freePort();
  const results = [];
  return {
    name,
    bin,
    dataDir: mkdtempSync(join(tmpdir(), `openchat-e2e-${name}-`)),
    log: createWriteStream(join(OUT, `server-${name}.log`)),
    port,
    base: `http://127.0.0.1:${port}`,
    results,
    step: stepper(results),
    browser: await launch(),
    problems: [],
  };
}

/** finish closes the browser and the server, keeps the data of a failed run, prints the tally and exits. */
export async function finish(s, server, exitCode) {
  await s.browser.close().catch(() => {});
  await stopServer(server).catch(() => {});
  s.log.end();
  if (exitCode === 0) rmSync(s.dataDir, { recursive: true, force: true });
  else console.log('data dir kept for inspection: ' + s.dataDir);
  const passed = s.results.filter((r) => r.ok).length;
  console.log(`\ne2e ${s.name}: ${passed} passed, ${s.results.length - passed} failed`);
  process.exit(exitCode);
}
