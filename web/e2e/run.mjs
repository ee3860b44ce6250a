// End-to-end test of the web client in headless Chromium against a real
// server: `OPENCHAT_BIN=/path/to/openchat npm run e2e`. It starts the server
// itself (and restarts it mid-conversation), drives two users in two browser
// contexts, and saves screenshots to web/test-results/.
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, joinFromDirectory, launch, newUser, openDrawerIfPhone, signUpUI, sleep, startServer as startServerAt, stepper, stopServer as stopServerProc } from './lib.mjs';

const BIN = process.env.OPENCHAT_BIN;
const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results');
const START_TIMEOUT_MS = 20_000; // server start-up, migrations included
const STEP_TIMEOUT_MS = 15_000; // any single UI expectation
const MAIL_TIMEOUT_MS = 20_000; // batch window (1 s) + worker tick + rate limit

if (!BIN || !existsSync(BIN)) {
  console.error('set OPENCHAT_BIN to a built openchat binary (go build -o bin/openchat ./cmd/openchat)');
  process.exit(2);
}
mkdirSync(OUT, { recursive: true });
const dataDir = mkdtempSync(join(tmpdir(), 'openchat-e2e-'));
const log = createWriteStream(join(OUT, 'server.log'));


const port = await freePort();
const base = `http://127.0.0.1:${port}`;
let server = null;

const serverArgs = ['--mail-batch-window', '1s'];
const startServer = () => startServerAt({ bin: BIN, port, dataDir, log, args: serverArgs, timeoutMs: START_TIMEOUT_MS });
async function stopServer() {
  await stopServerProc(server);
  server = null;
}

const results = [];
const step = stepper(results);

const browser = await launch();

const suffix = Date.now().toString(36).slice(-5);
const ada = { username: 'ada_' + suffix, display: 'Ada Lovelace', email: `ada_${suffix}@example.org`, password: 'correct horse battery' };
const bob = { username: 'bob_' + suffix, display: 'Bob Stone', email: `bob_${suffix}@example.org`, password: 'staple battery horse' };
const roomName = 'general-' + suffix;
const problems = []; // CSP violations and page errors

const user = (viewport, colorScheme) => newUser(browser, { viewport, colorScheme, timeoutMs: STEP_TIMEOUT_MS, problems });

const shot = (page, name) => page.screenshot({ path: join(OUT, name + '.png') });
const messages = (page, text) => page.locator('.msg', { hasText: text });
async function expectOnce(page, text) {
  await messages(page, text).first().waitFor();
  const n = await messages(page, text).count();
  if (n !== 1) throw new Error(`"${text}" shown ${n} times`);
}
let exitCode = 1;
try {
  server = await startServer();
  const A = await user({ width: 1280, height: 800 }, 'light');
  const B = await user({ width: 390, height: 844 }, 'dark');
  let roomUrl = '';

  await step('sign up both users', async () => {
    for (const [{ page }, u] of [
      [A, ada],
      [B, bob],
    ]) {
      await page.goto(base + '/');
      await shot(page, u === ada ? 'signin-desktop' : 'signin-phone');
      await signUpUI(page, base, u);
    }
  });

  await step('ada creates a room', async () => {
    await A.page.getByRole('button', { name: 'Create room' }).click();
    await A.page.getByLabel('Room name').fill(roomName);
    await A.page.getByLabel('Topic').fill('Everything and nothing');
    await A.page.locator('form[aria-label="Create room"]').getByRole('button', { name: 'Create' }).click();
    await A.page.getByRole('heading', { name: roomName }).waitFor();
    roomUrl = A.page.url();
  });

  await step('bob finds and joins the room (session kept across reload)', async () => {
    await B.page.reload();
    await openDrawerIfPhone(B.page);
    await joinFromDirectory(B.page, roomName);
    await B.page.locator('.chip', { hasText: '2' }).waitFor();
  });

  await step('ada mentions bob through the autocomplete; bob sees it live, highlighted', async () => {
    const box = A.page.getByLabel('Message #' + roomName);
    await box.click();
    await box.pressSequentially('Hello @' + bob.username.slice(0, 4));
    await A.page.getByRole('option', { name: new RegExp(bob.username) }).waitFor();
    await box.press('Enter'); // picks the suggestion
    await box.pressSequentially('welcome aboard!');
    await box.press('Shift+Enter');
    await box.pressSequentially('Second line.');
    await box.press('Enter');
    await expectOnce(A.page, 'welcome aboard!');
    await expectOnce(B.page, 'welcome aboard!');
    await B.page.locator('.msg.mention-me', { hasText: 'welcome aboard!' }).waitFor();
    const body = await B.page.locator('.msg', { hasText: 'welcome aboard!' }).locator('.body').innerText();
    if (!body.includes(`@${bob.username} welcome aboard!\nSecond line.`)) throw new Error('unexpected body: ' + body);
  });

  await step('typing indicator and reply with a safe link', async () => {
    const box = B.page.getByLabel('Message #' + roomName);
    await box.click();
    await box.pressSequentially(`Hi @${ada.username}! Docs at https://example.org/docs. <b>not bold</b>`);
    await A.page.getByText('Bob Stone is typing…').waitFor();
    await box.press('Enter');
    await expectOnce(A.page, 'Docs at');
    const link = A.page.locator('.msg', { hasText: 'Docs at' }).getByRole('link', { name: 'https://example.org/docs' });
    if ((await link.getAttribute('rel')) !== 'noopener noreferrer nofollow' || (await link.getAttribute('target')) !== '_blank') throw new Error('unsafe link');
    if ((await A.page.locator('.msg b').count()) !== 0) throw new Error('HTML was rendered');
    await A.page.locator('.msg.mention-me', { hasText: 'Docs at' }).waitFor();
    await A.page.waitForTimeout(300);
    await shot(A.page, 'room-desktop');
    await shot(B.page, 'room-phone');
  });

  await step('mention e-mails land in the mail folder', async () => {
    const dir = join(dataDir, 'mail');
    const deadline = Date.now() + MAIL_TIMEOUT_MS;
    for (;;) {
      const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
      const all = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
      if (all.includes(ada.email) && all.includes(bob.email)) break;
      if (Date.now() > deadline) throw new Error(`no e-mail for both users in ${dir}: ${files.join(', ')}`);
      await sleep(250);
    }
  });

  await step('reload shows the history', async () => {
    await A.page.reload();
    await expectOnce(A.page, 'welcome aboard!');
    await expectOnce(A.page, 'Docs at');
  });

  await step('server restart: conversation continues without loss', async () => {
    await stopServer();
    await A.page.locator('.conn-reconnecting, .conn-offline').first().waitFor({ state: 'attached' });
    // Sent while the server is down: pending, then delivered exactly once.
    const box = A.page.getByLabel('Message #' + roomName);
    await box.click();
    await box.pressSequentially('Sent while the server was down');
    await box.press('Enter');
    await A.page.locator('.msg.pending', { hasText: 'Sent while the server was down' }).waitFor();
    server = await startServer();
    await A.page.locator('.conn-online').waitFor({ timeout: 40_000 });
    await B.page.locator('.conn-online').waitFor({ state: 'attached', timeout: 40_000 }); // in the closed drawer
    await A.page.locator('.msg:not(.pending)', { hasText: 'Sent while the server was down' }).waitFor();
    await expectOnce(A.page, 'Sent while the server was down');
    await expectOnce(B.page, 'Sent while the server was down');
    const bbox = B.page.getByLabel('Message #' + roomName);
    await bbox.pressSequentially('Back after the restart');
    await bbox.press('Enter');
    await expectOnce(A.page, 'Back after the restart');
    await expectOnce(B.page, 'Back after the restart');
  });

  await step('unread count in another room', async () => {
    await A.page.getByRole('button', { name: 'Create room' }).click();
    await A.page.getByLabel('Room name').fill('random-' + suffix);
    await A.page.locator('form[aria-label="Create room"]').getByRole('button', { name: 'Create' }).click();
    await A.page.getByRole('heading', { name: 'random-' + suffix }).waitFor();
    const bbox = B.page.getByLabel('Message #' + roomName);
    await bbox.pressSequentially('Are you there?');
    await bbox.press('Enter');
    await A.page.getByRole('link', { name: new RegExp(roomName) }).locator('.badge', { hasText: '1' }).waitFor();
    await A.page.getByRole('link', { name: new RegExp(roomName) }).click();
    await expectOnce(A.page, 'Are you there?');
  });

  await step('mentions view and deep link', async () => {
    await A.page.getByRole('link', { name: 'Mentions' }).click();
    await A.page.locator('.mention-card', { hasText: 'Docs at' }).waitFor();
    await shot(A.page, 'mentions-desktop');
    await B.page.goto(roomUrl.replace(/#.*$/, '') + '#seq-1');
    await B.page.locator('#seq-1', { hasText: 'welcome aboard!' }).waitFor();
    await openDrawerIfPhone(B.page);
    await B.page.waitForTimeout(300);
    await shot(B.page, 'drawer-phone');
    await B.page.keyboard.press('Escape');
    await B.page.goto(base + '/settings');
    await B.page.getByLabel(/Only when I am offline/).check();
    await B.page.getByRole('button', { name: 'Save settings' }).click();
    await B.page.getByText('Saved.').waitFor();
    await shot(B.page, 'settings-phone');
    await B.page.reload();
    if (!(await B.page.getByLabel(/Only when I am offline/).isChecked())) throw new Error('preference not saved');
  });

  await step('no CSP violations or page errors', async () => {
    if (problems.length) throw new Error(problems.join('\n'));
  });

  await step('sign out', async () => {
    await B.page.getByRole('button', { name: 'Sign out' }).click();
    await B.page.getByRole('tab', { name: 'Sign in' }).waitFor();
    await B.page.reload();
    await B.page.getByRole('tab', { name: 'Sign in' }).waitFor();
  });
  exitCode = 0;
} catch {
  exitCode = 1;
} finally {
  await browser.close().catch(() => {});
  await stopServer().catch(() => {});
  log.end();
  if (exitCode === 0) rmSync(dataDir, { recursive: true, force: true });
  else console.log('data dir kept for inspection: ' + dataDir);
  const passed = results.filter((r) => r.ok).length;
  console.log(`\ne2e: ${passed} passed, ${results.length - passed} failed`);
  console.log('screenshots in ' + OUT);
  process.exit(exitCode);
}
