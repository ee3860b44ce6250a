// Administration and moderation in headless Chromium against a real server
// (`OPENCHAT_BIN=… node e2e/admin.mjs`): the first account is admin and
// sees the Admin area; a message reported from its menu reaches the queue
// and is resolved; archiving a room makes it read-only on an open page at
// once (room_changed); deactivating a user
// signs their open page out. axe checks the admin area.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { finish, newUser, send, signUpUI, startServer, suite, cleanRun } from './lib.mjs';

const S = await suite('admin');
const { bin: BIN, dataDir, log, port, base, step, browser, problems } = S;
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let server = null;
const ada = { username: 'ada', display: 'Ada Lovelace', email: 'ada@example.org', password: 'correct horse battery' };
const bob = { username: 'bob', display: 'Bob Stone', email: 'bob@example.org', password: 'staple battery horse' };
const user = (viewport = { width: 1280, height: 800 }) => newUser(browser, { viewport, timeoutMs: 15_000, problems });

/** axe returns the serious and critical violations on the page (injected past the CSP, as in a11y.mjs). */
async function axe(page) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(AXE);
  const vs = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })));
  return vs.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

let exitCode = 1;
try {
  server = await startServer({ bin: BIN, port, dataDir, log });
  const A = await user();
  const B = await user({ width: 390, height: 844 }); // Bob on a phone
  let roomUrl = '';

  await step('the first account is admin and sees the Admin area; the second does not', async () => {
    await signUpUI(A.page, base, ada);
    await signUpUI(B.page, base, bob);
    await A.page.getByRole('link', { name: 'Admin' }).waitFor();
    if (await B.page.getByRole('link', { name: 'Admin' }).count()) throw new Error('bob sees the Admin link');
  });

  await step('a shared room; Bob posts', async () => {
    await A.page.getByRole('button', { name: 'Create room' }).click();
    await A.page.getByLabel('Room name').fill('lobby');
    await A.page.locator('form[aria-label="Create room"]').getByRole('button', { name: 'Create' }).click();
    await A.page.getByRole('heading', { name: 'lobby' }).waitFor();
    roomUrl = A.page.url();
    await B.page.goto(roomUrl);
    await B.page.getByRole('button', { name: 'Join #lobby' }).click();
    await send(B.page, '#lobby', 'cheap watches here');
  });

  await step('report a message from its menu → queue → resolve', async () => {
    const msg = A.page.locator('.msg', { hasText: 'cheap watches here' });
    await msg.waitFor();
    await msg.hover();
    await msg.getByRole('button', { name: 'Actions for the message from Bob Stone' }).click();
    await A.page.getByRole('menuitem', { name: 'Report' }).click();
    await A.page.getByLabel('Reason').fill('spam');
    await A.page.getByRole('dialog').getByRole('button', { name: 'Report' }).click();
    await A.page.getByText('Thank you: the moderators will look at it.').waitFor();
    await A.page.getByRole('link', { name: 'Admin' }).click();
    await A.page.getByRole('tab', { name: 'Reports' }).click();
    await A.page.locator('.report', { hasText: 'cheap watches here' }).waitFor();
    const bad = await axe(A.page);
    if (bad.length) throw new Error('axe: ' + JSON.stringify(bad));
    await A.page.getByLabel('What was done (optional)').fill('warned');
    await A.page.getByRole('button', { name: 'Resolve' }).click();
    await A.page.getByText('No open reports.').waitFor();
  });

  await step("archive the room: read-only at once on Bob's open page", async () => {
    await A.page.getByRole('tab', { name: 'Rooms' }).click();
    await A.page.locator('.admin-row', { hasText: '#lobby' }).getByRole('button', { name: 'Archive' }).click();
    await A.page.locator('.admin-row', { hasText: '#lobby' }).getByText('Archived', { exact: true }).waitFor();
    // No reload: the room_changed frame reaches his open room, well before the minutely refresh.
    await B.page.getByText('This room is archived: you can read it, not post.').waitFor({ timeout: 5_000 });
    await B.page.locator('.msg', { hasText: 'cheap watches here' }).waitFor();
    const bad = await axe(A.page);
    if (bad.length) throw new Error('axe: ' + JSON.stringify(bad));
  });

  await step('deactivate Bob: his open page is signed out, he cannot sign in', async () => {
    await A.page.getByRole('tab', { name: 'Users' }).click();
    await A.page.locator('.admin-row', { hasText: '@bob' }).getByRole('button', { name: 'Deactivate' }).click();
    await A.page.getByRole('dialog').getByRole('button', { name: 'Deactivate' }).click();
    await A.page.locator('.admin-row', { hasText: '@bob' }).getByText('Deactivated', { exact: true }).waitFor();
    await B.page.getByRole('tab', { name: 'Create account' }).waitFor();
    await B.page.getByLabel('Username').fill(bob.username);
    await B.page.getByLabel('Password').fill(bob.password);
    await B.page.locator('form').getByRole('button', { name: 'Sign in' }).click();
    await B.page.getByText('this account has been deactivated; ask a server admin').waitFor();
    const bad = await axe(A.page);
    if (bad.length) throw new Error('axe: ' + JSON.stringify(bad));
  });

  await step('the audit log lists it all', async () => {
    await A.page.getByRole('tab', { name: 'Audit log' }).click();
    for (const action of ['user.deactivate', 'room.archive', 'report.resolve']) await A.page.locator('.audit code', { hasText: action }).waitFor();
  });

  await cleanRun(S);
  exitCode = 0;
} catch {
  exitCode = 1;
} finally {
  await finish(S, server, exitCode);
}
