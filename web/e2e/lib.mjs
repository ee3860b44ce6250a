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

/** createRoomUI creates a public room through the form (the room list must be on screen) and waits for it to open. */
export async function createRoomUI(page, name) {
  await page.getByRole('button', { name: 'Create room' }).click();
  await page.getByLabel('Room name').fill(name);
  await page.locator('form[aria-label="Create room"]').getByRole('button', { name: 'Create' }).click();
  await page.getByRole('heading', { name }).waitFor();
}

/** sendUI sends a message from the composer labelled "Message <label>" and waits until the server stored it. */
export async function sendUI(page, label, text) {
  const box = page.getByLabel('Message ' + label);
  await box.fill(text);
  await box.press('Enter');
  await page.locator('.msg:not(.pending)', { hasText: text }).waitFor();
}

/** inViewport: the element is wholly on screen (not cut off, not in a closed drawer). */
export async function inViewport(page, locator) {
  const box = await locator.boundingBox();
  const vp = page.viewportSize();
  return !!box && box.width > 0 && box.x >= 0 && box.y >= 0 && box.x + box.width <= vp.width + 1 && box.y + box.height <= vp.height + 1;
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe injects axe-core through the DevTools protocol (page.evaluate is not
 * bound by the page's CSP, which forbids inline scripts: the server's
 * policy stays as it is) and returns every violation, with its impact.
 */
export async function axe(page) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(AXE);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + (n.failureSummary ? ' — ' + n.failureSummary.split('\n').slice(1, 2).join('') : '')) }));
  });
}

export const SCHEMES = ['light', 'dark'];

/**
 * axeCheck runs axe on the screen in light and dark, prints the result,
 * pushes each serious or critical violation to failures, and calls
 * each(scheme) while the scheme is shown (to photograph it).
 */
export async function axeCheck(page, name, failures, each) {
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(150); // transitions settle
    const vs = await axe(page);
    const bad = vs.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    const minor = vs.length - bad.length;
    console.log(`     axe ${name.padEnd(9)} ${scheme.padEnd(5)}: ${bad.length ? 'FAIL ' + bad.length : 'ok'} serious/critical, ${minor} minor`);
    for (const v of vs) console.log(`       ${v.impact} ${v.id}: ${v.help}\n         ${v.nodes.join('\n         ')}`);
    for (const v of bad) failures.push(`${name} ${scheme}: ${v.id}`);
    if (each) await each(scheme);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** openDrawerIfPhone shows the room list at phone width (at desktop width it is always shown). */
export async function openDrawerIfPhone(page) {
  if (page.viewportSize().width > 760 || (await page.locator('.drawer-open').count())) return;
  await page.getByRole('button', { name: 'Open room list' }).click();
  await page.locator('.drawer-open').waitFor();
}

/** send types a message into the composer labelled "Message <label>" and waits for it to be stored. */
export async function send(page, label, text) {
  const box = page.getByLabel('Message ' + label);
  await box.fill(text);
  await box.press('Enter');
  await page.locator('.msg:not(.pending)', { hasText: text }).waitFor();
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

/**
 * cleanRun is every suite's last steps: no serious or critical axe
 * violations among those collected in failures (when the suite checks
 * axe), and no CSP violation or page error seen by the suite's pages.
 */
export async function cleanRun(s, failures) {
  if (failures) {
    await s.step('no serious or critical axe violations', async () => {
      if (failures.length) throw new Error(failures.join('\n'));
    });
  }
  await s.step('no CSP violations or page errors', async () => {
    if (s.problems.length) throw new Error(s.problems.join('\n'));
  });
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
