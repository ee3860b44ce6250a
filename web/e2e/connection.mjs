// Connection truth in headless Chromium against a real server
// (`OPENCHAT_BIN=… node e2e/connection.mjs`): the browser going offline
// shows a banner at once, at phone width too; a message written offline
// waits with a discard choice and is sent exactly once when the network
// returns; a server that goes away shows a countdown with "Retry now".
import { finish, newUser, signUpUI, startServer, stopServer, suite } from './lib.mjs';

const S = await suite('connection');
const { bin: BIN, dataDir, log, port, base, results, step, browser, problems } = S;
const STEP_TIMEOUT_MS = 15_000;
const BANNER_MS = 2_000; // the bound for showing the offline banner

const start = () => startServer({ bin: BIN, port, dataDir, log });
let server = null;
const suffix = Date.now().toString(36).slice(-5);
const cy = { username: 'cy_' + suffix, display: 'Cy Offline', email: `cy_${suffix}@example.org`, password: 'lantern orbit velvet' };
const roomName = 'lines-' + suffix;

/** inViewport: the element is on screen, not in a closed drawer. */
async function inViewport(page, locator) {
  const box = await locator.boundingBox();
  const vp = page.viewportSize();
  return !!box && box.width > 0 && box.x >= 0 && box.y >= 0 && box.x + box.width <= vp.width + 1 && box.y + box.height <= vp.height + 1;
}

/** serverCount: how many stored messages of the room have this body (asked over HTTP). */
async function serverCount(page, roomId, body) {
  return page.evaluate(
    async ([id, text]) => {
      const r = await fetch(`/api/v1/rooms/${encodeURIComponent(id)}/messages?limit=100`, { credentials: 'include' });
      const j = await r.json();
      return (j.messages ?? []).filter((m) => m.body === text).length;
    },
    [roomId, body],
  );
}

let exitCode = 1;
try {
  server = await start();
  const { ctx, page } = await newUser(browser, { viewport: { width: 390, height: 844 }, timeoutMs: STEP_TIMEOUT_MS, problems });
  const banner = page.getByTestId('conn-banner');
  let roomId = '';

  await step('sign up and open a room (phone width)', async () => {
    await signUpUI(page, base, cy);
    await page.getByRole('button', { name: 'Open room list' }).click();
    await page.getByRole('button', { name: 'Create room' }).click();
    await page.getByLabel('Room name').fill(roomName);
    await page.locator('form[aria-label="Create room"]').getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: roomName }).waitFor();
    roomId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]);
    await page.locator('.conn-online').waitFor({ state: 'attached' });
  });

  await step(`offline: the banner shows within ${BANNER_MS} ms, on screen`, async () => {
    const t0 = Date.now();
    await ctx.setOffline(true);
    await banner.getByText('Offline — messages will be sent when you reconnect').waitFor({ timeout: BANNER_MS });
    if (!(await inViewport(page, banner))) throw new Error('the banner is not on screen');
    console.log(`     banner after ${Date.now() - t0} ms`);
    if (await page.locator('.presence').isVisible()) throw new Error('presence still shown while offline');
  });

  const body = 'Written on the train ' + suffix;
  await step('a message written offline waits, with a discard choice', async () => {
    const box = page.getByLabel('Message #' + roomName);
    await box.fill(body);
    await box.press('Enter');
    const msg = page.locator('.msg.pending', { hasText: body });
    await msg.getByText('Waiting for the connection…').waitFor();
    await msg.getByRole('button', { name: 'Discard' }).waitFor();
  });

  await step('back online: the banner goes and the message is sent exactly once', async () => {
    await ctx.setOffline(false);
    await banner.waitFor({ state: 'detached' });
    await page.locator('.msg:not(.pending)', { hasText: body }).waitFor();
    await page.waitForTimeout(500); // a duplicate would have arrived by now
    const shown = await page.locator('.msg', { hasText: body }).count();
    const stored = await serverCount(page, roomId, body);
    if (shown !== 1 || stored !== 1) throw new Error(`shown ${shown} times, stored ${stored} times`);
  });

  await step('server gone: countdown, then "Retry now" reconnects at once', async () => {
    await stopServer(server);
    server = null;
    await banner.getByText(/Reconnecting in \d+ s…/).waitFor();
    // Let the backoff grow to a wait worth skipping.
    await banner.getByText(/Reconnecting in ([4-9]|\d\d) s…/).waitFor({ timeout: 30_000 });
    server = await start();
    await banner.getByRole('button', { name: 'Retry now' }).click();
    await banner.waitFor({ state: 'detached', timeout: 3_000 });
    await page.locator('.conn-online').waitFor({ state: 'attached' });
  });

  await step('installable: the worker caches the client, which then opens offline', async () => {
    const manifest = await page.evaluate(async () => (await fetch('/manifest.webmanifest')).json());
    if (manifest.start_url !== '/' || manifest.display !== 'standalone') throw new Error(JSON.stringify(manifest));
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload(); // now controlled by the worker
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await ctx.setOffline(true);
    await page.reload();
    await page.getByText('Offline — messages will be sent when you reconnect').waitFor();
    await ctx.setOffline(false);
    // Back online, the client starts by itself and shows the room again.
    await page.getByRole('heading', { name: roomName }).waitFor();
  });

  await step('no CSP violations or page errors', async () => {
    if (problems.length) throw new Error(problems.join('\n'));
  });
  exitCode = 0;
} catch {
  exitCode = 1;
} finally {
  await finish(S, server, exitCode);
}
