// Search, jump to message and files, in headless Chromium against a real
// server (`OPENCHAT_BIN=… node e2e/files-search.mjs`): Ada posts more than
// two pages of messages, finds the oldest by search (Ctrl+K, a prefix, the
// match marked), chooses it and lands on it highlighted with only the
// messages around it loaded; scrolling down loads newer pages and "Jump to
// the latest messages" rejoins the live end with no gap or duplicate. Then
// files: an image uploaded over a slowed connection shows its progress bar,
// then its preview, which opens a lightbox (Escape closes it); another file
// shows as a card with its name, size and a download link. Axe runs on the
// search dialog and the room with files, light and dark, desktop and phone.
import { axe, finish, newUser, signUpUI, sleep, startServer, suite, cleanRun } from './lib.mjs';

const S = await suite('files-search');
const { bin: BIN, dataDir, log, port, base, step, browser, problems } = S;
const STEP_TIMEOUT_MS = 15_000;
const MESSAGES = 130; // more than two pages (PAGE_SIZE 50)
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let server = null;
const suffix = Date.now().toString(36).slice(-5);
const ada = { username: 'ada_' + suffix, display: 'Ada Lovelace', email: `ada_${suffix}@example.org`, password: 'lantern orbit velvet' };
const roomName = 'files-' + suffix;
const needle = 'The zebra crossing plan, first draft';
const failures = [];

/** checkAxe runs axe in light and dark and records serious or critical violations. */
async function checkAxe(page, name) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(150);
    const vs = await axe(page);
    const bad = vs.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    console.log(`     axe ${name.padEnd(14)} ${scheme.padEnd(5)}: ${bad.length ? 'FAIL ' + bad.length : 'ok'} serious/critical, ${vs.length - bad.length} minor`);
    for (const v of vs) console.log(`       ${v.impact} ${v.id}: ${v.help}\n         ${v.nodes.join('\n         ')}`);
    for (const v of bad) failures.push(`${name} ${scheme}: ${v.id}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** api calls the server from the page (its session cookie). */
function api(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const r = await fetch('/api/v1' + path, { method, headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
      return { status: r.status, body: r.status === 204 ? null : await r.json() };
    },
    { method, path, body },
  );
}

/** seqs: the seqs the room's timeline shows, in order. */
const seqs = (page) => page.evaluate(() => Array.from(document.querySelectorAll('.messages .msg[data-seq]')).map((el) => Number(el.getAttribute('data-seq'))));

function contiguous(list) {
  for (let i = 1; i < list.length; i++) if (list[i] !== list[i - 1] + 1) return false;
  return true;
}

let exitCode = 1;
try {
  server = await startServer({ bin: BIN, port, dataDir, log, args: ['--ratelimit-posts', 'off'] });
  const A = await newUser(browser, { viewport: DESKTOP, timeoutMs: STEP_TIMEOUT_MS, problems });
  const page = A.page;
  let roomId = '';

  await step(`Ada signs up, creates a room and posts ${MESSAGES} messages`, async () => {
    await signUpUI(page, base, ada);
    await page.getByRole('button', { name: 'Create room' }).click();
    await page.getByLabel('Room name').fill(roomName);
    await page.locator('form[aria-label="Create room"]').getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: roomName }).waitFor();
    roomId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]);
    for (let i = 1; i <= MESSAGES; i++) {
      const r = await api(page, 'POST', `/rooms/${roomId}/messages`, { body: i === 1 ? needle : `Filler message number ${i}` });
      if (r.status !== 201) throw new Error(`post ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    // Opened afresh, the room loads its latest page only.
    await page.reload();
    await page.locator('.messages .msg', { hasText: `Filler message number ${MESSAGES}` }).waitFor();
    await sleep(500);
    const shown = await seqs(page);
    if (shown.includes(1)) throw new Error('the first message is loaded already: the jump would prove nothing');
  });

  await step('Ctrl+K opens the search dialog with the focus in its box', async () => {
    await page.locator('.messages').click();
    await page.keyboard.press('Control+k');
    const dialog = page.getByRole('dialog', { name: 'Search messages' });
    await dialog.waitFor();
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('role'));
    if (focused !== 'combobox') throw new Error('focus is on ' + focused);
  });

  await step('typing a prefix shows the result live, the match marked', async () => {
    const box = page.getByRole('combobox', { name: 'Search messages' });
    await box.pressSequentially('zebr', { delay: 30 });
    const option = page.getByRole('option', { name: /zebra crossing/ });
    await option.waitFor();
    if ((await page.getByRole('option').count()) !== 1) throw new Error('expected one result');
    const mark = await option.locator('mark').textContent();
    if (mark !== 'zebra') throw new Error('marked: ' + mark);
    if ((await box.getAttribute('aria-expanded')) !== 'true' || !(await box.getAttribute('aria-activedescendant'))) throw new Error('combobox state not set');
    await checkAxe(page, 'search');
  });

  await step('Enter opens the room at the message, highlighted, with only its surroundings loaded', async () => {
    await page.getByRole('combobox', { name: 'Search messages' }).press('Enter');
    await page.getByRole('dialog', { name: 'Search messages' }).waitFor({ state: 'detached' });
    const target = page.locator('#seq-1');
    await target.waitFor();
    await page.locator('#seq-1.flash').waitFor();
    if (!(await target.isVisible()) || !(await target.evaluate((el) => { const r = el.getBoundingClientRect(); const p = el.closest('.messages').getBoundingClientRect(); return r.top >= p.top && r.bottom <= p.bottom; }))) throw new Error('the message is not in view');
    const shown = await seqs(page);
    if (shown[0] !== 1 || !contiguous(shown) || shown.length >= MESSAGES) throw new Error('loaded ' + JSON.stringify(shown));
    console.log(`     window holds seqs ${shown[0]}–${shown[shown.length - 1]}`);
    await page.getByRole('button', { name: 'Jump to the latest messages' }).waitFor();
  });

  await step('a message posted meanwhile stays out of the window (no gap opens)', async () => {
    const r = await api(page, 'POST', `/rooms/${roomId}/messages`, { body: 'Posted while Ada was reading history' });
    if (r.status !== 201) throw new Error('post: ' + r.status);
    await sleep(1000);
    const shown = await seqs(page);
    if (shown.includes(MESSAGES + 1) || !contiguous(shown)) throw new Error('window: ' + JSON.stringify(shown.slice(-5)));
  });

  await step('scrolling down loads newer pages, without gaps', async () => {
    const before = (await seqs(page)).length;
    for (let i = 0; i < 20 && (await seqs(page)).length === before; i++) {
      await page.locator('.messages').evaluate((el) => (el.scrollTop = el.scrollHeight));
      await sleep(100);
    }
    const shown = await seqs(page);
    if (shown.length <= before || !contiguous(shown)) throw new Error('after scrolling: ' + JSON.stringify(shown));
  });

  await step('at the end (Jump to the latest messages) that message shows once, with no gap', async () => {
    const latest = page.getByRole('button', { name: 'Jump to the latest messages' });
    if (await latest.count()) await latest.click();
    else await page.locator('.messages').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.locator('.messages .msg', { hasText: 'Posted while Ada was reading history' }).waitFor();
    const shown = await seqs(page);
    if (shown[shown.length - 1] !== MESSAGES + 1 || !contiguous(shown) || new Set(shown).size !== shown.length) throw new Error('at the end: ' + JSON.stringify(shown.slice(-5)));
    await page.getByRole('button', { name: 'Jump to the latest messages' }).waitFor({ state: 'detached' });
    // Live again: Ada's own message follows.
    const box = page.getByLabel('Message #' + roomName);
    await box.fill('Back at the live end');
    await box.press('Enter');
    await page.locator('.messages .msg:not(.pending)', { hasText: 'Back at the live end' }).waitFor();
    const after = await seqs(page);
    if (after[after.length - 1] !== MESSAGES + 2 || !contiguous(after)) throw new Error('live: ' + JSON.stringify(after.slice(-5)));
  });

  await step('at phone width the search button opens a full-screen search; Escape closes it', async () => {
    await page.setViewportSize(PHONE);
    await page.locator('.room-header').getByRole('button', { name: 'Search messages' }).click();
    const dialog = page.getByRole('dialog', { name: 'Search messages' });
    await dialog.waitFor();
    const box = await dialog.boundingBox();
    if (!box || box.width !== PHONE.width) throw new Error('dialog at ' + JSON.stringify(box));
    await page.getByRole('combobox', { name: 'Search messages' }).fill('from:@' + ada.username + ' filler 129');
    await page.getByRole('option').first().waitFor();
    await checkAxe(page, 'search phone');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.setViewportSize(DESKTOP);
  });

  await step('an image over a slowed connection: its progress bar, then its preview; the lightbox opens, Escape closes it', async () => {
    const png = await page.screenshot();
    // Record every progress value the tray shows, however fast it goes.
    await page.evaluate(() => {
      window.__progress = [];
      new MutationObserver(() => document.querySelectorAll('.attach-item progress').forEach((p) => window.__progress.push(Number(p.value)))).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    const cdp = await A.ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 200 * 1024 });
    await page.locator('.composer input[type=file]').setInputFiles({ name: 'screen.png', mimeType: 'image/png', buffer: png });
    await page.locator('.attach-item[data-state="done"]').waitFor({ timeout: 60_000 });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const seen = await page.evaluate(() => window.__progress);
    console.log(`     ${png.length} bytes; progress values seen: ${[...new Set(seen)].join(', ')}`);
    if (!seen.some((v) => v > 0 && v < 100)) throw new Error('no progress between 0 and 100 was shown');
    const box = page.getByLabel('Message #' + roomName);
    await box.fill('A picture of the screen');
    await box.press('Enter');
    const thumb = page.locator('.messages .msg:not(.pending)', { hasText: 'A picture of the screen' }).getByRole('button', { name: 'Open image screen.png' });
    await thumb.waitFor();
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.messages .attach-thumb img')).some((i) => i.complete && i.naturalWidth > 0));
    await thumb.click();
    const lb = page.getByRole('dialog', { name: 'screen.png' });
    await lb.waitFor();
    await page.waitForFunction(() => { const i = document.querySelector('dialog.lightbox img'); return i && i.complete && i.naturalWidth > 0; });
    await checkAxe(page, 'lightbox');
    await page.keyboard.press('Escape');
    await lb.waitFor({ state: 'detached' });
  });

  await step('another file, sent without text: a card with its name, size and a download link', async () => {
    const buffer = Buffer.alloc(1_500_000, 'openchat ');
    await page.getByRole('button', { name: 'Attach files' }).waitFor();
    await page.locator('.composer input[type=file]').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer });
    await page.locator('.attach-item[data-state="done"]').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Send message' }).click();
    const card = page.locator('.messages .msg:not(.pending) a.file-card', { hasText: 'notes.txt' });
    await card.waitFor();
    const text = await card.textContent();
    if (!text.includes('1.5 MB')) throw new Error('card says ' + text);
    const href = await card.getAttribute('href');
    const r = await page.evaluate(async (u) => (await fetch(u)).status, href);
    if (r !== 200) throw new Error('download answered ' + r);
    await checkAxe(page, 'room files');
    await page.setViewportSize(PHONE);
    await card.scrollIntoViewIfNeeded();
    const b = await card.boundingBox();
    if (!b || b.x + b.width > PHONE.width) throw new Error('card overflows the phone: ' + JSON.stringify(b));
    await checkAxe(page, 'files phone');
    await page.setViewportSize(DESKTOP);
  });

  await cleanRun(S, failures);
  exitCode = 0;
} catch {
  exitCode = 1;
} finally {
  await finish(S, server, exitCode);
}
