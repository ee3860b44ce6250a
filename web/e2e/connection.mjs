// Connection truth in headless Chromium against a real server
// (`OPENCHAT_BIN=… node e2e/connection.mjs`): the browser going offline
// shows a banner at once, at phone width too; a message written offline
// waits with a discard choice and is sent exactly once when the network
// returns; a server that goes away shows a countdown with "Retry now";
// reloaded offline, the client opens on the rooms list and room it kept,
// with the offline banner, and goes live when the network returns.
import { createRoomUI, finish, inViewport, newUser, openDrawerIfPhone, sendUI, signUpUI, startServer, stopServer, suite, cleanRun } from './lib.mjs';

const S = await suite('connection');
const { bin: BIN, dataDir, log, port, base, results, step, browser, problems } = S;
const STEP_TIMEOUT_MS = 15_000;
const BANNER_MS = 2_000; // the bound for showing the offline banner

const start = () => startServer({ bin: BIN, port, dataDir, log });
let server = null;
const suffix = Date.now().toString(36).slice(-5);
const cy = { username: 'cy_' + suffix, display: 'Cy Offline', email: `cy_${suffix}@example.org`, password: 'lantern orbit velvet' };
const roomName = 'lines-' + suffix;

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
    await createRoomUI(page, roomName);
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
    // A server slow to start (a loaded machine) may be found by the client's own
    // next attempt before the click: then stop it and try again.
    for (let tries = 1; ; tries++) {
      await stopServer(server);
      server = null;
      await banner.getByText(/Reconnecting in \d+ s…/).waitFor();
      // Let the backoff grow to a wait worth skipping.
      await banner.getByText(/Reconnecting in ([4-9]|\d\d) s…/).waitFor({ timeout: 30_000 });
      server = await start();
      const left = Number((/Reconnecting in (\d+) s/.exec(await banner.innerText().catch(() => '')) ?? [])[1] ?? 0);
      if (left >= 2) break;
      if (tries === 3) throw new Error('the client reconnected by itself before every click: the server starts too slowly');
      console.log('     the server came back after the countdown; again');
      await page.locator('.conn-online').waitFor({ state: 'attached' });
    }
    await banner.getByRole('button', { name: 'Retry now' }).click();
    await banner.waitFor({ state: 'detached', timeout: 3_000 });
    await page.locator('.conn-online').waitFor({ state: 'attached' });
  });

  /** kept: (in the page) this device's offline copy holds the text. */
  const kept = (text) => Object.keys(localStorage).some((k) => k.startsWith('openchat:offline:user:') && localStorage.getItem(k).includes(text));
  await step('installable: reloaded offline, it shows the kept rooms list and room with the banner, then goes live', async () => {
    const manifest = await page.evaluate(async () => (await fetch('/manifest.webmanifest')).json());
    if (manifest.start_url !== '/' || manifest.display !== 'standalone') throw new Error(JSON.stringify(manifest));
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload(); // now controlled by the worker
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await page.locator('.msg:not(.pending)', { hasText: body }).waitFor();
    await page.waitForFunction(kept, body);
    await ctx.setOffline(true);
    await page.reload();
    await banner.getByText('Offline — messages will be sent when you reconnect').waitFor();
    if (!(await inViewport(page, banner))) throw new Error('the banner is not on screen');
    await page.getByRole('heading', { name: roomName }).waitFor();
    await page.locator('.msg', { hasText: body }).waitFor(); // the room's kept page
    await openDrawerIfPhone(page);
    await page.locator('.room-link', { hasText: roomName }).waitFor(); // the kept rooms list
    await page.keyboard.press('Escape');
    await ctx.setOffline(false);
    await banner.waitFor({ state: 'detached' });
    await page.locator('.conn-online').waitFor({ state: 'attached' });
    await sendUI(page, '#' + roomName, 'Back on land ' + suffix); // live again
  });

  await step('signing out removes what was kept for offline use', async () => {
    if (!(await page.evaluate(kept, body))) throw new Error('nothing kept before signing out');
    await openDrawerIfPhone(page);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('tab', { name: 'Sign in' }).waitFor();
    const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('openchat:offline:')));
    if (left.length) throw new Error('kept after sign-out: ' + left.join(', '));
  });

  await cleanRun(S);
  exitCode = 0;
} catch {
  exitCode = 1;
} finally {
  await finish(S, server, exitCode);
}
