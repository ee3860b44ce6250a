// Messages that live, in headless Chromium against a real server
// (`OPENCHAT_BIN=… node e2e/changes.mjs`): while Ada's browser is offline,
// Bob edits a message, deletes one, reacts to one and answers one in a
// thread (once also to the room); when Ada comes back online her screen
// (bodies, "(edited)" marks, tombstones, reaction chips and counts, reply
// counts) matches Bob's exactly within a few seconds. A thread-only reply
// is not counted unread in the room. Markdown renders bold and code, and a
// <script> stays text.
import { cleanRun, createRoomUI, finish, joinFromDirectory, newUser, signUpUI, sleep, startServer, suite } from './lib.mjs';

const S = await suite('changes');
const { bin: BIN, dataDir, log, port, base, results, step, browser, problems } = S;
const STEP_TIMEOUT_MS = 15_000;
const MATCH_MS = 5_000; // "within a few seconds" of coming back online

let server = null;
const suffix = Date.now().toString(36).slice(-5);
const ada = { username: 'ada_' + suffix, display: 'Ada Lovelace', email: `ada_${suffix}@example.org`, password: 'lantern orbit velvet' };
const bob = { username: 'bob_' + suffix, display: 'Bob Builder', email: `bob_${suffix}@example.org`, password: 'copper meadow tiger' };
const roomName = 'living-' + suffix;
const texts = { edit: 'Typo in this lne', del: 'Take this back', react: 'React to me', thread: 'Start a thread here', keep: 'Nothing happens to me' };

/** snapshot: what the room timeline shows, message by message (without what differs per person, like "mine"). */
function snapshot(page) {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('.messages .msg[data-seq]')).map((el) => ({
      seq: el.getAttribute('data-seq'),
      body: el.querySelector(':scope > .body')?.textContent ?? '',
      edited: !!el.querySelector(':scope > .edited'),
      deleted: el.classList.contains('deleted'),
      reactions: Array.from(el.querySelectorAll(':scope > .reactions .reaction')).map((r) => r.getAttribute('data-emoji') + '×' + r.querySelector('.count')?.textContent),
      replies: el.querySelector(':scope > .replies-link')?.textContent ?? '',
    })),
  );
}

const msg = (page, text) => page.locator('.messages .msg', { hasText: text });

/** menu opens a message's "…" menu (hovering shows the bar on a desktop). */
async function menu(page, text) {
  const m = msg(page, text);
  await m.hover();
  await m.getByRole('button', { name: /^Actions for the message from/ }).click();
  return page.getByRole('menu', { name: 'Message actions' });
}

async function send(page, text, shown = text) {
  const box = page.getByLabel('Message #' + roomName);
  await box.fill(text);
  await box.press('Enter');
  await page.locator('.messages .msg:not(.pending)', { hasText: shown }).waitFor();
}

let exitCode = 1;
try {
  server = await startServer({ bin: BIN, port, dataDir, log });
  const A = await newUser(browser, { viewport: { width: 1280, height: 800 }, timeoutMs: STEP_TIMEOUT_MS, problems });
  const B = await newUser(browser, { viewport: { width: 1280, height: 800 }, timeoutMs: STEP_TIMEOUT_MS, problems });

  await step('Ada and Bob sign up; Ada creates a room, Bob joins it', async () => {
    await signUpUI(A.page, base, ada);
    await signUpUI(B.page, base, bob);
    await A.page.getByRole('button', { name: 'Create room' }).click();
    await A.page.getByLabel('Room name').fill(roomName);
    await A.page.locator('form[aria-label="Create room"]').getByRole('button', { name: 'Create' }).click();
    await A.page.getByRole('heading', { name: roomName }).waitFor();
    await joinFromDirectory(B.page, roomName);
  });

  await step('Bob posts five messages; Ada sees them', async () => {
    for (const t of Object.values(texts)) await send(B.page, t);
    await msg(A.page, texts.keep).waitFor();
  });

  await step('Ada goes offline', async () => {
    await A.ctx.setOffline(true);
    await A.page.getByTestId('conn-banner').waitFor();
  });

  await step('Bob edits one: Enter saves, "(edited)" shows', async () => {
    await (await menu(B.page, texts.edit)).getByRole('menuitem', { name: 'Edit' }).click();
    const box = B.page.getByLabel('Edit message');
    await box.fill('Typo in this line, fixed');
    await box.press('Enter');
    await msg(B.page, 'Typo in this line, fixed').locator('.edited', { hasText: '(edited)' }).waitFor();
  });

  await step('Escape cancels an edit', async () => {
    await (await menu(B.page, texts.keep)).getByRole('menuitem', { name: 'Edit' }).click();
    const box = B.page.getByLabel('Edit message');
    await box.fill('should not be saved');
    await box.press('Escape');
    await box.waitFor({ state: 'detached' });
    if ((await msg(B.page, texts.keep).count()) !== 1) throw new Error('the cancelled edit changed the message');
  });

  await step('Bob deletes one after confirming: a tombstone stays in its place', async () => {
    await (await menu(B.page, texts.del)).getByRole('menuitem', { name: 'Delete' }).click();
    const dialog = B.page.getByRole('dialog', { name: 'Delete this message?' });
    await dialog.waitFor();
    const focused = await B.page.evaluate(() => document.activeElement?.textContent);
    if (focused !== 'Cancel') throw new Error('focus is not on Cancel but on ' + focused);
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await msg(B.page, 'This message was deleted.').waitFor();
    if (await msg(B.page, texts.del).count()) throw new Error('the deleted body is still shown');
  });

  await step('Bob reacts twice and takes one back; the chips count', async () => {
    for (const e of ['👍', '🎉']) {
      const m = msg(B.page, texts.react);
      await m.hover();
      await m.getByRole('button', { name: 'Add reaction' }).click();
      await B.page.getByRole('dialog', { name: 'Pick a reaction' }).getByRole('button', { name: e, exact: true }).click();
      await m.locator(`.reaction.mine[data-emoji="${e}"]`).waitFor();
    }
    await msg(B.page, texts.react).locator('.reaction[data-emoji="🎉"]').click();
    await msg(B.page, texts.react).locator('.reaction[data-emoji="🎉"]').waitFor({ state: 'detached' });
  });

  await step('Bob replies in a thread, once also to the room', async () => {
    const m = msg(B.page, texts.thread);
    await m.hover();
    await m.getByRole('button', { name: 'Reply in thread' }).click();
    const panel = B.page.locator('.thread-panel');
    await panel.getByRole('heading', { name: 'Thread' }).waitFor();
    const box = panel.getByLabel('Reply in the thread');
    await box.fill('A reply only in the thread');
    await box.press('Enter');
    await panel.locator('.msg', { hasText: 'A reply only in the thread' }).waitFor();
    await box.fill('A reply for everyone');
    await panel.getByLabel('Also send to the room').check();
    await box.press('Enter');
    await panel.locator('.msg', { hasText: 'A reply for everyone' }).waitFor();
    await msg(B.page, texts.thread).getByRole('button', { name: '2 replies' }).waitFor();
    await msg(B.page, 'A reply for everyone').waitFor();
    if (await msg(B.page, 'A reply only in the thread').count()) throw new Error('a thread-only reply shows in the room');
    await panel.getByRole('button', { name: 'Close thread' }).click();
  });

  await step(`Ada comes back online: within ${MATCH_MS} ms her screen matches Bob's exactly`, async () => {
    const want = await snapshot(B.page);
    if (!want.some((m) => m.deleted) || !want.some((m) => m.edited) || !want.some((m) => m.reactions.length) || !want.some((m) => m.replies)) {
      throw new Error("Bob's screen lacks a change: " + JSON.stringify(want));
    }
    const t0 = Date.now();
    await A.ctx.setOffline(false);
    let got = null;
    while (Date.now() - t0 < MATCH_MS) {
      got = await snapshot(A.page);
      if (JSON.stringify(got) === JSON.stringify(want)) break;
      await sleep(100);
    }
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`Ada's screen differs:\nwant ${JSON.stringify(want)}\ngot  ${JSON.stringify(got)}`);
    console.log(`     matched after ${Date.now() - t0} ms`);
  });

  await step("Ada's reaction shows as hers and counts for Bob live", async () => {
    await msg(A.page, texts.react).locator('.reaction[data-emoji="👍"]').click();
    await msg(A.page, texts.react).locator('.reaction.mine[data-emoji="👍"] .count', { hasText: '2' }).waitFor();
    await msg(B.page, texts.react).locator('.reaction[data-emoji="👍"] .count', { hasText: '2' }).waitFor();
  });

  await step('Ada opens the thread: both replies, and a live one from Bob', async () => {
    await msg(A.page, texts.thread).getByRole('button', { name: '2 replies' }).click();
    const panel = A.page.locator('.thread-panel');
    await panel.locator('.msg', { hasText: 'A reply only in the thread' }).waitFor();
    await panel.locator('.msg', { hasText: 'A reply for everyone' }).waitFor();
    const m = msg(B.page, texts.thread);
    await m.hover();
    await m.getByRole('button', { name: 'Reply in thread' }).click();
    const box = B.page.locator('.thread-panel').getByLabel('Reply in the thread');
    await box.fill('Live in the thread');
    await box.press('Enter');
    await panel.locator('.msg', { hasText: 'Live in the thread' }).waitFor();
    await msg(A.page, texts.thread).getByRole('button', { name: '3 replies' }).waitFor();
  });

  await step('at phone width the thread fills the screen', async () => {
    await A.page.setViewportSize({ width: 390, height: 844 });
    const box = await A.page.locator('.thread-panel').boundingBox();
    if (!box || box.x !== 0 || box.width !== 390 || box.height !== 844) throw new Error('thread panel at ' + JSON.stringify(box));
    await A.page.getByRole('button', { name: 'Close thread' }).click();
    await A.page.locator('.thread-panel').waitFor({ state: 'detached' });
    await A.page.setViewportSize({ width: 1280, height: 800 });
  });

  await step('in another room, Ada\'s badge for this one counts a post to the room but not a thread-only reply', async () => {
    await createRoomUI(A.page, 'elsewhere-' + suffix);
    const m = msg(B.page, texts.thread);
    await m.hover();
    await m.getByRole('button', { name: 'Reply in thread' }).click();
    const panel = B.page.locator('.thread-panel');
    const box = panel.getByLabel('Reply in the thread');
    await box.fill('Unread nowhere but here');
    await box.press('Enter');
    await panel.locator('.msg', { hasText: 'Unread nowhere but here' }).waitFor();
    await panel.getByRole('button', { name: 'Close thread' }).click();
    await send(B.page, 'Unread in the room'); // after the reply on the same subscription: once it counts, the reply has been seen
    const link = A.page.locator('.room-link', { hasText: roomName });
    await link.locator('.badge:not(.mention-badge)', { hasText: /^1$/ }).waitFor();
    await link.click();
    await A.page.getByRole('heading', { name: roomName }).waitFor();
  });

  await step('Markdown renders bold and code; a <script> stays text', async () => {
    const text = '**bold move** and `x := 1` <script>window.__xss = 1</script>';
    await send(B.page, text, 'bold move');
    const m = msg(A.page, 'bold move');
    await m.locator('.body strong', { hasText: 'bold move' }).waitFor();
    await m.locator('.body code', { hasText: 'x := 1' }).waitFor();
    await m.getByText('<script>window.__xss = 1</script>').waitFor();
    const leaked = await A.page.evaluate(() => document.querySelectorAll('.body script').length + (window.__xss ? 1 : 0));
    if (leaked) throw new Error('the script became HTML');
  });

  await cleanRun(S);
  exitCode = 0;
} catch {
  exitCode = 1;
} finally {
  await finish(S, server, exitCode);
}
