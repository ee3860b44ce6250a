// Accessibility and looks of every main screen in headless Chromium against
// a real server (`OPENCHAT_BIN=… node e2e/a11y.mjs`): axe-core runs inside
// the page on sign-in, sign-up, home, room, browse, members, settings,
// mentions and a direct message, in light and dark, and the run fails on
// any serious or critical violation. It prints the result per screen and
// saves screenshots of the main screens at 1366×800 and 390×844 in both
// schemes to web/test-results/screenshots/, or to SCREENSHOTS_DIR: run it
// with SCREENSHOTS_DIR=../docs/screenshots to refresh the documented ones
// (a test run leaves the checkout as it was).
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { axeCheck, finish, newUser, sendUI as send, signUpUI, sleep, startServer, suite, cleanRun } from './lib.mjs';

const S = await suite('a11y');
const { bin: BIN, dataDir, log, port, base, results, step, browser, problems } = S;
const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = process.env.SCREENSHOTS_DIR || join(HERE, '..', 'test-results', 'screenshots');
const STEP_TIMEOUT_MS = 15_000;
const SIZES = { desktop: { width: 1366, height: 800 }, phone: { width: 390, height: 844 } };
/** Screens photographed for docs/screenshots (all screens are checked by axe). */
const PHOTOGRAPHED = new Set(['sign-in', 'room', 'settings']);

mkdirSync(SHOTS, { recursive: true });
let server = null;
// Fixed names (each run has a fresh data directory), so the screenshots change only when the screens do.
const ada = { username: 'ada', display: 'Ada Lovelace', email: 'ada@example.org', password: 'correct horse battery' };
const bob = { username: 'bob', display: 'Bob Stone', email: 'bob@example.org', password: 'staple battery horse' };
const roomName = 'general';
const failures = [];

/** check runs axe on the screen in each scheme, prints the result and photographs it when asked. */
async function check(page, name) {
  await axeCheck(page, name, failures, PHOTOGRAPHED.has(name) ? (scheme) => photograph(page, name, scheme) : undefined);
}

async function photograph(page, name, scheme) {
  const was = page.viewportSize();
  for (const [size, vp] of Object.entries(SIZES)) {
    await page.setViewportSize(vp);
    await page.waitForTimeout(250);
    await page.screenshot({ path: join(SHOTS, `${name}-${size}-${scheme}.png`) });
  }
  await page.setViewportSize(was);
}

let exitCode = 1;
try {
  server = await startServer({ bin: BIN, port, dataDir, log });
  const A = await newUser(browser, { viewport: SIZES.desktop, timeoutMs: STEP_TIMEOUT_MS, problems });
  const B = await newUser(browser, { viewport: SIZES.desktop, timeoutMs: STEP_TIMEOUT_MS, problems });
  const page = A.page;

  await step('sign-in and sign-up screens', async () => {
    await page.goto(base + '/');
    await page.getByRole('tab', { name: 'Sign in' }).waitFor();
    await check(page, 'sign-in');
    await page.getByRole('tab', { name: 'Create account' }).click();
    await check(page, 'sign-up');
  });

  await step('forms: every error next to its field at once, nothing sent', async () => {
    const posts = [];
    const onReq = (r) => r.method() === 'POST' && posts.push(r.url());
    page.on('request', onReq);
    await page.getByLabel('Username').fill('a');
    await page.getByLabel('E-mail').fill('not-an-address');
    await page.locator('form').getByRole('button', { name: 'Create account' }).click();
    for (const [id, text] of [
      ['auth-username', 'Username must be 3 to 32 characters.'],
      ['auth-email', 'E-mail must be a plain address'],
      ['auth-password', 'Password is required.'],
    ]) {
      const input = page.locator('#' + id);
      if ((await input.getAttribute('aria-invalid')) !== 'true') throw new Error(id + ' not marked invalid');
      const err = page.locator('#' + (await input.getAttribute('aria-describedby')).split(' ').find((x) => x.endsWith('-error')));
      if (!(await err.innerText()).includes(text)) throw new Error(`${id}: ${await err.innerText()}`);
      const [a, b] = [await input.boundingBox(), await err.boundingBox()];
      if (b.y - (a.y + a.height) > 60) throw new Error(`${id}: the error is ${b.y - a.y - a.height}px below its field`);
    }
    if ((await page.evaluate(() => document.activeElement?.id)) !== 'auth-username') throw new Error('focus is not on the first invalid field');
    await check(page, 'sign-up errors');
    page.off('request', onReq);
    if (posts.length) throw new Error('sent despite invalid fields: ' + posts.join(', '));
    await page.reload();
  });

  await step('home, room, browse and members', async () => {
    await signUpUI(B.page, base, bob);
    await signUpUI(page, base, ada);
    await check(page, 'home');
    await page.getByRole('button', { name: 'Create a room' }).click(); // the empty start page's action
    await page.getByLabel('Room name').fill(roomName);
    await page.getByLabel('Topic').fill('Plans, questions and news');
    await page.locator('form[aria-label="Create room"]').getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: roomName }).waitFor();
    await send(page, '#' + roomName, 'Good morning! The release notes are at https://example.org/notes');
    await send(page, '#' + roomName, 'Who can review the Spanish strings today?');
    await B.page.goto(page.url());
    await B.page.getByRole('button', { name: 'Join #' + roomName }).click();
    await send(B.page, '#' + roomName, `I can, @${ada.username}. Sending comments after lunch.`);
    await page.locator('.msg', { hasText: 'after lunch' }).waitFor();
    await check(page, 'room');
    // The mention autocomplete at machine speed: pick with Enter and type on at once.
    for (const [before, after] of [
      ['Thanks @bo', 'for the review'],
      ['@b', 'and @ada too'],
    ]) {
      const box = page.getByLabel('Message #' + roomName);
      await box.fill('');
      await box.pressSequentially(before);
      await page.getByRole('option', { name: /bob/ }).waitFor();
      // Enter and the next keys leave together (as from a fast typist), the rest after a frame.
      await Promise.all([page.keyboard.press('Enter'), page.keyboard.type(after.slice(0, 3))]);
      await sleep(50);
      await page.keyboard.type(after.slice(3));
      const want = before.replace(/@b\w*$/, '@bob ') + after;
      const got = await box.inputValue();
      if (got !== want) throw new Error(`autocomplete garbled the text: ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    }
    await page.getByLabel('Message #' + roomName).fill('');
    const box = page.getByLabel('Message #' + roomName);
    await box.fill('x'.repeat(4001)); // the counter itself is checked in reading.mjs
    if (await page.getByRole('button', { name: 'Send message' }).isEnabled()) throw new Error('an over-long message can be sent');
    await box.fill('');
    await page.getByRole('link', { name: 'Browse rooms' }).first().click();
    await page.getByText('#' + roomName).first().waitFor();
    await check(page, 'browse');
    await page.goto(base + '/rooms/' + (await roomId(B.page)) + '/members');
    await page.getByText(bob.display).first().waitFor();
    await check(page, 'members');
  });

  await step('settings, mentions and a direct message', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await check(page, 'settings');
    await page.getByRole('link', { name: 'Mentions' }).click();
    await page.locator('.mention-card').first().waitFor();
    await check(page, 'mentions');
    await page.getByRole('link', { name: 'New direct message' }).click();
    await page.getByLabel('Search people by username').fill(bob.username);
    await page.getByRole('button', { name: 'Add ' + bob.display }).click();
    await page.getByRole('button', { name: 'Start conversation' }).click();
    await page.getByRole('heading', { name: bob.display }).waitFor();
    await send(page, bob.display, 'Thanks Bob, just between us.');
    await check(page, 'dm');
  });

  await step('a room opened with unread messages shows where they start', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    for (const n of [1, 2, 3]) await send(B.page, '#' + roomName, 'Unread number ' + n);
    const link = page.locator('.room-link', { hasText: roomName });
    await link.locator('.badge', { hasText: '3' }).waitFor();
    await link.click();
    const line = page.locator('.unread-divider');
    await line.waitFor();
    const next = await line.evaluate((el) => el.nextElementSibling?.textContent ?? '');
    if (!next.includes('Unread number 1')) throw new Error('the line is not before the first unread message: ' + next);
    await check(page, 'unread');
  });

  await step('message actions, reactions, an edit, a thread and Markdown, desktop and phone', async () => {
    const composer = page.getByLabel('Message #' + roomName);
    await composer.fill('Steps: **first** run `make web`, then\n\n```\nnpm test\n```\n> quoted\n- one\n- two');
    await composer.press('Enter');
    await page.locator('.msg:not(.pending) pre', { hasText: 'npm test' }).waitFor();
    const bobs = page.locator('.msg', { hasText: 'Unread number 3' });
    await bobs.hover();
    await bobs.getByRole('button', { name: 'Add reaction' }).click();
    await page.getByRole('dialog', { name: 'Pick a reaction' }).waitFor();
    await check(page, 'picker');
    await page.getByRole('dialog', { name: 'Pick a reaction' }).getByRole('button', { name: '👍', exact: true }).click();
    await bobs.locator('.reaction.mine').waitFor();
    const mine = page.locator('.msg', { hasText: 'Steps:' });
    await mine.hover();
    await mine.getByRole('button', { name: /^Actions for the message from/ }).click();
    await page.getByRole('menu', { name: 'Message actions' }).waitFor();
    await check(page, 'menu');
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    await page.getByLabel('Edit message').waitFor();
    await check(page, 'editor');
    await page.getByLabel('Edit message').press('Escape');
    await mine.hover();
    await mine.getByRole('button', { name: /^Actions for the message from/ }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete this message?' }).waitFor();
    await check(page, 'confirm');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Delete this message?' }).waitFor({ state: 'detached' });
    await bobs.hover();
    await bobs.getByRole('button', { name: 'Reply in thread' }).click();
    const panel = page.locator('.thread-panel');
    await panel.getByLabel('Reply in the thread').fill('On it, *thanks*');
    await panel.getByLabel('Reply in the thread').press('Enter');
    await panel.locator('.msg', { hasText: 'On it' }).waitFor();
    await check(page, 'thread');
    await page.setViewportSize(SIZES.phone);
    await check(page, 'thread-ph');
    await panel.getByRole('button', { name: 'Close thread' }).click();
    await check(page, 'room-ph');
    await page.setViewportSize(SIZES.desktop);
  });

  await step('Spanish and a chosen theme, kept across reloads', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    const told = page.waitForResponse((r) => r.url().endsWith('/api/v1/me') && r.request().method() === 'PATCH');
    await page.getByLabel('Language', { exact: true }).selectOption('es');
    await told; // the server learns the language: its e-mails use it
    await page.getByRole('heading', { name: 'Ajustes', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Salas' }).waitFor();
    await page.getByLabel('Oscuro').check();
    await page.reload();
    await page.getByRole('heading', { name: 'Ajustes', level: 1 }).waitFor();
    const html = await page.evaluate(() => ({ lang: document.documentElement.lang, theme: document.documentElement.dataset.theme }));
    if (html.lang !== 'es' || html.theme !== 'dark') throw new Error('not kept: ' + JSON.stringify(html));
    const serverLang = await page.evaluate(async () => (await (await fetch('/api/v1/me')).json()).user.language);
    if (serverLang !== 'es') throw new Error('the server has language ' + serverLang);
    await check(page, 'settings-es');
    await page.getByLabel('Idioma', { exact: true }).selectOption('auto'); // the browser says en-US
    await page.getByLabel('As the system').check();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  });

  await cleanRun(S, failures);
  exitCode = 0;
} catch {
  exitCode = 1;
} finally {
  await finish(S, server, exitCode);
}

async function roomId(p) {
  return decodeURIComponent(new URL(p.url()).pathname.split('/')[2]);
}
