// Reading a busy room in headless Chromium against a real server
// (`OPENCHAT_BIN=… node e2e/reading.mjs`): unread messages are counted on
// the tab icon as well as in the title; a room opens at its first unread,
// and scrolled past it offers "Jump to the first unread message", by keyboard; the
// composer's counter is on screen at desktop and phone sizes. (A first
// unread in a page not loaded yet is covered by src/lib/unread.test.ts: the
// list loads older pages until the line shows, so it rarely lasts.)
import { axeCheck, createRoomUI, finish, inViewport, newUser, signUpUI, startServer, suite, cleanRun } from './lib.mjs';

const S = await suite('reading');
const { bin: BIN, dataDir, log, port, base, step, browser, problems } = S;
const DESKTOP = { width: 1366, height: 800 };
const PHONE = { width: 390, height: 844 };
const BACKLOG = 70; // more than one page (50): the first unread starts out not loaded
let server = null;
const ada = { username: 'ada', display: 'Ada Lovelace', email: 'ada@example.org', password: 'correct horse battery' };
const bob = { username: 'bob', display: 'Bob Stone', email: 'bob@example.org', password: 'staple battery horse' };
const user = () => newUser(browser, { viewport: DESKTOP, timeoutMs: 15_000, problems });
const failures = [];

/** icon: the tab icon's address and badge. */
const icon = (page) => page.evaluate(() => ({ href: document.querySelector('link[rel="icon"]').getAttribute('href'), badge: document.querySelector('link[rel="icon"]').dataset.badge ?? '' }));

let exitCode = 1;
try {
  // Posts are not rate limited here: the backlog is written at machine speed.
  server = await startServer({ bin: BIN, port, dataDir, log, args: ['--ratelimit-posts', 'off'] });
  const A = await user();
  const B = await user();
  const page = A.page;
  let roomId = '';

  await step('sign up; a shared room', async () => {
    await signUpUI(B.page, base, bob);
    await signUpUI(page, base, ada);
    await createRoomUI(page, 'reading');
    roomId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]);
    await B.page.goto(page.url());
    await B.page.getByRole('button', { name: 'Join #reading' }).click();
    await B.page.getByLabel('Message #reading').waitFor();
    await page.getByRole('link', { name: 'Settings' }).click();
  });

  await step(`${BACKLOG} unread: counted in the title and drawn on the tab icon`, async () => {
    await B.page.evaluate(
      async ([id, n]) => {
        for (let i = 1; i <= n; i++) {
          const r = await fetch(`/api/v1/rooms/${encodeURIComponent(id)}/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ body: 'Backlog ' + i, client_id: 'backlog-' + i }) });
          if (!r.ok) throw new Error('post ' + i + ': ' + r.status);
        }
      },
      [roomId, BACKLOG],
    );
    await page.waitForFunction((n) => document.title.startsWith(`(${n}) `), BACKLOG);
    await page.waitForFunction((n) => document.querySelector('link[rel="icon"]').dataset.badge === String(n), BACKLOG);
    const i = await icon(page);
    if (!i.href.startsWith('data:image/png;base64,')) throw new Error('the icon is not a drawn badge: ' + i.href.slice(0, 40));
  });

  const bar = page.getByRole('region', { name: 'New messages above' });
  const jump = bar.getByRole('button', { name: 'Jump to the first unread message' });
  /** firstUnreadInView: (in the page) the first unread message is wholly inside the message list. */
  const firstUnreadInView = () => {
    const el = document.getElementById('seq-1');
    const list = document.querySelector('.messages');
    if (!el || !list) return false;
    const [a, b] = [el.getBoundingClientRect(), list.getBoundingClientRect()];
    return a.top >= b.top && a.bottom <= b.bottom;
  };
  const toBottom = () => page.locator('.messages').evaluate((el) => (el.scrollTop = el.scrollHeight));

  await step('opening the room: the icon is restored; older pages load and the view starts at the "New messages" line', async () => {
    await page.locator('.room-link', { hasText: 'reading' }).click();
    await page.getByRole('heading', { name: 'reading' }).waitFor();
    await page.waitForFunction(() => document.querySelector('link[rel="icon"]').getAttribute('href') === '/favicon.svg');
    await page.getByText('This is the beginning of the room.').waitFor();
    await page.waitForFunction(firstUnreadInView);
    const line = await page.locator('.unread-divider').evaluate((el) => el.nextElementSibling?.textContent ?? '');
    if (!line.includes('Backlog 1')) throw new Error('the "New messages" line is not before the first unread: ' + line);
    if (await bar.count()) throw new Error('the bar shows while the first unread is in view');
  });

  await step('scrolled past the line, the bar offers the jump; by keyboard it lands on the first unread', async () => {
    await toBottom();
    await bar.waitFor();
    await axeCheck(page, 'unread-bar', failures);
    await jump.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(firstUnreadInView);
    await bar.waitFor({ state: 'detached' });
    if ((await page.evaluate(() => document.activeElement?.className)) !== 'messages') throw new Error('focus did not move to the message list');
  });

  await step('Escape hides the bar', async () => {
    await toBottom();
    await bar.waitFor();
    await jump.focus();
    await page.keyboard.press('Escape');
    await bar.waitFor({ state: 'detached' });
    if ((await page.evaluate(() => document.activeElement?.className)) !== 'messages') throw new Error('focus did not move to the message list');
  });

  await step('the counter is always on screen: 1366×800 and 390×844, empty and over the limit', async () => {
    const counter = page.locator('#composer-counter');
    const box = page.getByLabel('Message #reading');
    for (const vp of [DESKTOP, PHONE]) {
      await page.setViewportSize(vp);
      for (const [text, shown, said] of [
        ['', '4000', '4000 characters left'],
        ['x'.repeat(3850), '150', '150 characters left'],
        ['x'.repeat(4001), '-1', '1 character over the limit'],
      ]) {
        await box.fill(text);
        await counter.getByText(said).waitFor({ state: 'attached' });
        if ((await counter.locator('[aria-hidden="true"]').innerText()) !== shown) throw new Error(`shows ${await counter.innerText()}, want ${shown}`);
        if (!(await inViewport(page, counter))) throw new Error(`the counter is cut off at ${vp.width}×${vp.height} with ${text.length} characters`);
        const live = await counter.getAttribute('aria-live');
        if ((live === 'off') !== (text.length < 3800)) throw new Error(`aria-live=${live} at ${text.length} characters`);
      }
      await axeCheck(page, `counter-${vp.width}`, failures);
    }
    await box.fill('');
    await page.setViewportSize(DESKTOP);
  });

  await cleanRun(S, failures);
  exitCode = 0;
} catch {
  exitCode = 1;
} finally {
  await finish(S, server, exitCode);
}
