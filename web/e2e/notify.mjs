// Notifications in headless Chromium against a real server
// (`OPENCHAT_BIN=… node e2e/notify.mjs`): permission is asked on a click in
// Settings; while the page is hidden a mention and a direct message raise
// desktop notifications, a plain message and a muted room do not; the tab
// title counts unread messages.
import { finish, newUser, signUpUI, sleep, startServer, suite, cleanRun } from './lib.mjs';

const S = await suite('notify');
const { bin: BIN, dataDir, log, port, base, results, step, browser, problems } = S;
let server = null;
const ada = { username: 'ada', display: 'Ada Lovelace', email: 'ada@example.org', password: 'correct horse battery' };
const bob = { username: 'bob', display: 'Bob Stone', email: 'bob@example.org', password: 'staple battery horse' };
const user = () => newUser(browser, { viewport: { width: 1280, height: 800 }, timeoutMs: 15_000, problems });

/** Records every Notification the page creates (init scripts are not bound by the page's CSP). */
function spyNotifications() {
  const N = window.Notification;
  window.__notes = [];
  window.Notification = class extends N {
    constructor(title, opts) {
      super(title, opts);
      window.__notes.push({ title, body: opts?.body ?? '' });
    }
  };
}
/** Makes the page report itself hidden, as when another tab is in front. */
function hide() {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
  document.dispatchEvent(new Event('visibilitychange'));
}
const notes = (page) => page.evaluate(() => window.__notes);

async function send(page, label, text) {
  const box = page.getByLabel('Message ' + label);
  await box.fill(text);
  await box.press('Enter');
  await page.locator('.msg:not(.pending)', { hasText: text }).waitFor();
}

let exitCode = 1;
try {
  server = await startServer({ bin: BIN, port, dataDir, log });
  const A = await user();
  const B = await user();
  await A.ctx.grantPermissions(['notifications'], { origin: base });
  await A.ctx.addInitScript(spyNotifications);
  let roomUrl = '';

  await step('sign up; a shared room', async () => {
    await signUpUI(B.page, base, bob);
    await signUpUI(A.page, base, ada);
    await A.page.getByRole('button', { name: 'Create room' }).click();
    await A.page.getByLabel('Room name').fill('news');
    await A.page.locator('form[aria-label="Create room"]').getByRole('button', { name: 'Create' }).click();
    await A.page.getByRole('heading', { name: 'news' }).waitFor();
    roomUrl = A.page.url();
    await B.page.goto(roomUrl);
    await B.page.getByRole('button', { name: 'Join #news' }).click();
    await B.page.getByLabel('Message #news').waitFor();
  });

  await step('notifications are turned on by a click in Settings', async () => {
    await A.page.getByRole('link', { name: 'Settings' }).click();
    await A.page.getByRole('button', { name: 'Turn on desktop notifications' }).click();
    await A.page.getByText('Desktop notifications are on in this browser.').waitFor();
    await A.page.getByRole('link', { name: 'Mentions' }).click();
    await A.page.evaluate(hide);
  });

  await step('hidden page: a mention notifies, a plain message does not; the title counts', async () => {
    await send(B.page, '#news', 'Morning all');
    await send(B.page, '#news', '@ada the draft is ready');
    await A.page.waitForFunction(() => window.__notes.length >= 1);
    await sleep(300);
    const n = await notes(A.page);
    if (n.length !== 1 || n[0].title !== 'Bob Stone mentioned you in #news' || n[0].body !== '@ada the draft is ready') throw new Error(JSON.stringify(n));
    await A.page.waitForFunction(() => document.title.startsWith('(2) '));
  });

  await step('a muted room stays silent', async () => {
    await A.page.goto(roomUrl);
    await A.page.getByRole('button', { name: 'Mute notifications for this room' }).click();
    if ((await A.page.getByRole('button', { name: 'Mute notifications for this room' }).getAttribute('aria-pressed')) !== 'true') throw new Error('not pressed');
    await A.page.getByRole('link', { name: 'Mentions' }).click();
    await A.page.evaluate(hide);
    await send(B.page, '#news', '@ada one more thing');
    await A.page.waitForFunction(() => document.title.startsWith('(1) '));
    await sleep(300);
    if ((await notes(A.page)).length !== 0) throw new Error('notified in a muted room: ' + JSON.stringify(await notes(A.page)));
  });

  await step('a direct message notifies', async () => {
    await B.page.getByRole('link', { name: 'New direct message' }).click();
    await B.page.getByLabel('Search people by username').fill('ada');
    await B.page.getByRole('button', { name: 'Add ' + ada.display }).click();
    await B.page.getByRole('button', { name: 'Start conversation' }).click();
    await send(B.page, ada.display, 'Lunch at one?');
    await A.page.waitForFunction(() => window.__notes.length >= 1);
    const n = await notes(A.page);
    if (n[0].title !== 'Bob Stone wrote to you' || n[0].body !== 'Lunch at one?') throw new Error(JSON.stringify(n));
  });

  await cleanRun(S);
  exitCode = 0;
} catch {
  exitCode = 1;
} finally {
  await finish(S, server, exitCode);
}
