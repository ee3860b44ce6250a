// End-to-end test of rooms with members, in headless Chromium against a real
// server: `OPENCHAT_BIN=/path/to/openchat node e2e/members.mjs` (run by
// `npm run e2e`). Ada makes a private room and invites Bob; Carol cannot
// find it, open it or subscribe to it; Ada and Bob talk in a direct message;
// Bob reads on one browser and the unread badge clears on his other one;
// a rename reaches Bob's open room live; removal and leaving take the room
// away live.
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, joinFromDirectory, launch, newUser, openDrawerIfPhone, signUpUI, startServer, stepper, stopServer } from './lib.mjs';

const BIN = process.env.OPENCHAT_BIN;
const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-results');
const STEP_TIMEOUT_MS = 15_000; // any single UI expectation

if (!BIN || !existsSync(BIN)) {
  console.error('set OPENCHAT_BIN to a built openchat binary (go build -o bin/openchat ./cmd/openchat)');
  process.exit(2);
}
mkdirSync(OUT, { recursive: true });
const dataDir = mkdtempSync(join(tmpdir(), 'openchat-e2e-members-'));
const log = createWriteStream(join(OUT, 'members-server.log'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const results = [];
const step = stepper(results);
const problems = []; // CSP violations and page errors

const suffix = Date.now().toString(36).slice(-5);
const person = (name, display) => ({ username: `${name}_${suffix}`, display, email: `${name}_${suffix}@example.org`, password: 'correct horse battery ' + name });
const ada = person('ada', 'Ada Lovelace');
const bob = person('bob', 'Bob Stone');
const carol = person('carol', 'Carol Danvers');
const secret = 'secret-' + suffix;
const renamed = 'launch-' + suffix;
const lobby = 'lobby-' + suffix;

let browser = null;
let server = null;

const context = (viewport) => newUser(browser, { viewport, timeoutMs: STEP_TIMEOUT_MS, problems });
const shot = (page, name) => page.screenshot({ path: join(OUT, name + '.png') });
const roleOf = (page, name, role) => page.locator('.people .person', { hasText: name }).locator('.role', { hasText: role });
const sidebar = (page) => page.locator('#sidebar');
const roomLink = (page, name) => sidebar(page).getByRole('link', { name });
async function send(page, label, text) {
  const box = page.getByLabel('Message ' + label, { exact: true });
  await box.click();
  await box.pressSequentially(text);
  await box.press('Enter');
  await page.locator('.msg:not(.pending)', { hasText: text }).waitFor();
}

/** subscribeRaw opens a WebSocket of the page's own session and returns the answer to one subscribe. */
function subscribeRaw(page, roomId) {
  return page.evaluate(
    (roomId) =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/api/v1/ws');
        const timer = setTimeout(() => reject(new Error('no answer to subscribe')), 10_000);
        ws.onmessage = (ev) => {
          const f = JSON.parse(ev.data);
          if (f.type === 'hello') ws.send(JSON.stringify({ type: 'subscribe', room_id: roomId, ref: 'probe' }));
          else if (f.type === 'error' || f.type === 'subscribed' || f.type === 'message') {
            clearTimeout(timer);
            ws.close();
            resolve(f);
          }
        };
        ws.onerror = () => reject(new Error('WebSocket failed'));
      }),
    roomId,
  );
}

let exitCode = 1;
try {
  server = await startServer({ bin: BIN, port, dataDir, log });
  browser = await launch();
  const A = await context({ width: 1280, height: 800 });
  const B1 = await context({ width: 1280, height: 800 });
  const B2 = await context({ width: 390, height: 844 });
  const C = await context({ width: 1280, height: 800 });
  let secretId = '';
  let dmUrl = '';

  await step('sign up Ada, Bob and Carol; Bob signs in on a second (phone) browser', async () => {
    await signUpUI(A.page, base, ada);
    await signUpUI(B1.page, base, bob);
    await signUpUI(C.page, base, carol);
    await B2.page.goto(base + '/');
    await B2.page.getByLabel('Username').fill(bob.username);
    await B2.page.getByLabel('Password').fill(bob.password);
    await B2.page.locator('form').getByRole('button', { name: 'Sign in' }).click();
    await B2.page.getByText('Welcome to OpenChat').waitFor();
  });

  await step('Ada creates a private room; it shows with a lock under Rooms', async () => {
    await A.page.getByRole('button', { name: 'Create room' }).click();
    await A.page.getByLabel('Room name').fill(secret);
    await A.page.getByLabel('Topic').fill('Only for the invited');
    await A.page.getByLabel(/^Private/).check();
    await A.page.locator('form[aria-label="Create room"]').getByRole('button', { name: 'Create' }).click();
    await A.page.getByRole('heading', { name: secret }).waitFor();
    secretId = decodeURIComponent(new URL(A.page.url()).pathname.split('/')[2]);
    const link = roomLink(A.page, secret);
    if (!(await link.innerText()).includes(secret) || !/Private room/.test(await link.textContent())) throw new Error('private room not marked in the sidebar');
    await send(A.page, '#' + secret, 'Before anyone came');
  });

  await step('Ada invites Bob from the member list; the room appears for Bob live; Ada makes him moderator', async () => {
    await A.page.getByRole('link', { name: 'Show members' }).click();
    await A.page.getByRole('heading', { name: 'Members of #' + secret }).waitFor();
    await roleOf(A.page, ada.display, 'Owner').waitFor();
    await A.page.getByLabel('Search people by username').fill(bob.username);
    await A.page.getByRole('button', { name: 'Invite ' + bob.display }).click();
    await A.page.getByText(bob.display + ' was added.').waitFor();
    if ((await A.page.getByLabel('Role of ' + bob.display).inputValue()) !== 'member') throw new Error('Bob is not shown as a member');
    await shot(A.page, 'members-desktop');
    await roomLink(B1.page, secret).click();
    await B1.page.getByRole('heading', { name: secret }).waitFor();
    await B1.page.locator('.msg', { hasText: 'Before anyone came' }).waitFor();
    // Bob is a plain member: no invite or remove controls for him.
    await B1.page.getByRole('link', { name: 'Show members' }).click();
    await B1.page.getByRole('heading', { name: 'Members of #' + secret }).waitFor();
    await B1.page.locator('.people .person', { hasText: ada.display }).waitFor();
    if (await B1.page.getByLabel('Search people by username').count()) throw new Error('a member is offered the invite search');
    if (await B1.page.getByRole('button', { name: /^Remove / }).count()) throw new Error('a member is offered remove buttons');
    // The owner makes Bob a moderator: now he may invite.
    await A.page.getByLabel('Role of ' + bob.display).selectOption('moderator');
    await A.page.getByText(bob.display + ' is now moderator.').waitFor();
    await B1.page.reload();
    await B1.page.getByLabel('Search people by username').waitFor();
    await roleOf(B1.page, bob.display, 'Moderator').waitFor();
    await B1.page.getByRole('link', { name: 'Back to the conversation' }).click();
    await B1.page.getByRole('heading', { name: secret }).waitFor();
  });

  await step('Carol does not find the private room: not in the directory, not by URL, not over the WebSocket', async () => {
    await C.page.getByRole('link', { name: 'Browse rooms' }).click();
    await C.page.getByLabel('Search rooms').fill(suffix);
    await C.page.getByText('No public rooms match.').waitFor();
    const dir = await C.page.evaluate(async () => (await fetch('/api/v1/rooms?limit=100')).json());
    if (dir.rooms.some((r) => r.name === secret)) throw new Error('private room listed in the directory');
    await C.page.goto(base + '/rooms/' + encodeURIComponent(secretId));
    await C.page.getByRole('heading', { name: 'Room not found.' }).waitFor();
    if (await C.page.locator('.msg', { hasText: 'Before anyone came' }).count()) throw new Error('Carol sees a message of the private room');
    await shot(C.page, 'private-not-found');
    const statuses = await C.page.evaluate(async (id) => {
      const get = async (p) => (await fetch('/api/v1/rooms/' + encodeURIComponent(id) + p)).status;
      return [await get(''), await get('/messages'), await get('/members')];
    }, secretId);
    if (statuses.some((s) => s !== 404)) throw new Error('HTTP statuses for Carol: ' + statuses.join(', '));
    const answer = await subscribeRaw(C.page, secretId);
    if (answer.type !== 'error' || answer.code !== 'not_found') throw new Error('subscribe as a non-member answered ' + JSON.stringify(answer));
    // Bob, a member, may subscribe.
    const ok = await subscribeRaw(B1.page, secretId);
    if (ok.type !== 'subscribed') throw new Error('subscribe as a member answered ' + JSON.stringify(ok));
  });

  await step('Ada starts a direct message with Bob; Bob sees it unread on both browsers', async () => {
    await A.page.getByRole('link', { name: 'New direct message' }).click();
    await A.page.getByLabel('Search people by username').fill(bob.username);
    await A.page.getByRole('button', { name: 'Add ' + bob.display }).click();
    await A.page.getByRole('button', { name: 'Start conversation' }).click();
    await A.page.getByRole('heading', { name: bob.display }).waitFor();
    dmUrl = A.page.url();
    await send(A.page, bob.display, 'Hi Bob, just between us');
    // Bob's desktop browser shows the private room; the DM arrives in the sidebar.
    const dm1 = roomLink(B1.page, ada.display);
    await dm1.locator('.badge', { hasText: '1' }).waitFor();
    // Bob's phone shows the start page; the DM is in the drawer, unread.
    await openDrawerIfPhone(B2.page);
    await B2.page.getByRole('heading', { name: 'Direct messages' }).waitFor();
    await roomLink(B2.page, ada.display).locator('.badge', { hasText: '1' }).waitFor();
    await B2.page.waitForTimeout(300); // the drawer's slide
    await shot(B2.page, 'dm-unread-phone');
  });

  await step('Bob reads on his desktop browser; the badge clears on his phone', async () => {
    await roomLink(B1.page, ada.display).click();
    await B1.page.locator('.msg', { hasText: 'Hi Bob, just between us' }).waitFor();
    if (B1.page.url() !== dmUrl) throw new Error(`Bob opened ${B1.page.url()}, Ada ${dmUrl}`);
    await roomLink(B2.page, ada.display).locator('.badge').waitFor({ state: 'detached' });
    await B2.page.reload(); // and the server kept it
    await openDrawerIfPhone(B2.page);
    await roomLink(B2.page, ada.display).waitFor();
    if (await roomLink(B2.page, ada.display).locator('.badge').count()) throw new Error('unread again after reload');
    await B2.page.keyboard.press('Escape');
  });

  await step('Bob answers; the same DM opens from an author name', async () => {
    await send(B1.page, ada.display, 'Hello Ada, got it');
    await A.page.locator('.msg', { hasText: 'Hello Ada, got it' }).waitFor();
    // Ada's open DM counts nothing unread.
    if (await roomLink(A.page, bob.display).locator('.badge').count()) throw new Error('open DM shows a badge');
    await roomLink(B1.page, secret).click();
    await B1.page.getByRole('button', { name: 'Send a direct message to ' + ada.display }).first().click();
    await B1.page.locator('.msg', { hasText: 'Hello Ada, got it' }).waitFor();
    if (B1.page.url() !== dmUrl) throw new Error('the author name opened another room: ' + B1.page.url());
    await shot(B1.page, 'dm-desktop');
  });

  await step('Ada renames the room and changes its topic; Bob\'s open room follows live', async () => {
    await roomLink(B1.page, secret).click();
    await B1.page.getByRole('heading', { name: secret }).waitFor();
    await roomLink(A.page, secret).click();
    await A.page.getByRole('link', { name: 'Show members' }).click();
    await A.page.getByRole('textbox', { name: 'Room name' }).fill(renamed);
    await A.page.getByRole('textbox', { name: /^Topic/ }).fill('Plans for the launch');
    await A.page.getByRole('button', { name: 'Save' }).click();
    await A.page.getByText('Saved.').waitFor();
    await A.page.getByRole('heading', { name: 'Members of #' + renamed }).waitFor();
    // No reload on Bob's side: the room_changed frame (rooms refresh only every minute).
    await B1.page.getByRole('heading', { name: renamed }).waitFor({ timeout: 5_000 });
    await B1.page.getByText('Plans for the launch').waitFor({ timeout: 5_000 });
    await roomLink(B1.page, renamed).waitFor({ timeout: 5_000 });
  });

  await step('Ada removes Bob: the room leaves his screen and his sidebar live', async () => {
    await B1.page.getByRole('heading', { name: renamed }).waitFor();
    await roomLink(A.page, renamed).click();
    await A.page.getByRole('link', { name: 'Show members' }).click();
    await A.page.getByRole('button', { name: `Remove ${bob.display} from the room` }).click();
    await A.page.getByText(bob.display + ' was removed.').waitFor();
    await B1.page.getByText('Welcome to OpenChat').waitFor();
    await roomLink(B1.page, renamed).waitFor({ state: 'detached' });
    await B1.page.goto(base + '/rooms/' + encodeURIComponent(secretId));
    await B1.page.getByRole('heading', { name: 'Room not found.' }).waitFor();
  });

  await step('Carol joins a public room from the directory and leaves it', async () => {
    await A.page.getByRole('button', { name: 'Create room' }).click();
    await A.page.locator('form[aria-label="Create room"]').getByLabel('Room name').fill(lobby); // the members page has one too
    await A.page.locator('form[aria-label="Create room"]').getByRole('button', { name: 'Create' }).click();
    await A.page.getByRole('heading', { name: lobby }).waitFor();
    await C.page.goto(base + '/');
    await joinFromDirectory(C.page, lobby);
    await shot(C.page, 'joined-desktop');
    await roomLink(C.page, lobby).waitFor();
    await send(C.page, '#' + lobby, 'Carol was here');
    await C.page.getByRole('link', { name: 'Show members' }).click();
    await roleOf(C.page, ada.display, 'Owner').waitFor();
    await roleOf(C.page, carol.display, 'Member').waitFor();
    await C.page.getByRole('button', { name: 'Leave room' }).click();
    await C.page.getByText('Welcome to OpenChat').waitFor();
    await roomLink(C.page, lobby).waitFor({ state: 'detached' });
    await C.page.getByRole('link', { name: 'Browse rooms' }).click();
    await C.page.getByLabel('Search rooms').fill(lobby);
    await C.page.getByRole('button', { name: 'Join #' + lobby, exact: true }).waitFor();
    await shot(C.page, 'browse-desktop');
  });

  await step('no CSP violations or page errors', async () => {
    if (problems.length) throw new Error(problems.join('\n'));
  });
  exitCode = 0;
} catch (e) {
  if (!results.some((r) => !r.ok)) console.log('FAIL outside a step: ' + (e?.stack ?? e)); // steps print their own
  exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
  await stopServer(server).catch(() => {});
  log.end();
  if (exitCode === 0) rmSync(dataDir, { recursive: true, force: true });
  else console.log('data dir kept for inspection: ' + dataDir);
  const passed = results.filter((r) => r.ok).length;
  console.log(`\ne2e members: ${passed} passed, ${results.length - passed} failed`);
  console.log('screenshots in ' + OUT);
  process.exit(exitCode);
}
