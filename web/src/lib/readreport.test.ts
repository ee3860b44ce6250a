import { describe, expect, it } from 'vitest';
import { ReadReporter } from './readreport';

// Timers run by hand: run() fires whatever is due.
function setup(fail = false) {
  const sent: string[] = [];
  const due = new Map<number, () => void>();
  let n = 0;
  const r = new ReadReporter(
    async (room, seq) => {
      sent.push(`${room}:${seq}`);
      if (fail) throw new Error('offline');
    },
    { setTimeout: (f) => (due.set(++n, f), n), clearTimeout: (id) => void due.delete(id as number) },
    500,
  );
  const run = async () => {
    const fs = [...due.values()];
    due.clear();
    for (const f of fs) f();
    await Promise.resolve();
    await Promise.resolve();
  };
  return { r, sent, run, due };
}

describe('ReadReporter', () => {
  it('reports once per delay, the furthest position', async () => {
    const { r, sent, run } = setup();
    r.read('a', 3);
    r.read('a', 5);
    r.read('a', 4);
    expect(sent).toEqual([]);
    await run();
    expect(sent).toEqual(['a:5']);
  });

  it('never reports backwards or what the server has', async () => {
    const { r, sent, run } = setup();
    r.known('a', 10);
    r.read('a', 7);
    r.read('a', 10);
    await run();
    expect(sent).toEqual([]);
    r.read('a', 11);
    await run();
    r.read('a', 9);
    r.read('a', 11);
    await run();
    expect(sent).toEqual(['a:11']);
  });

  it('the server moving on meanwhile (another device) cancels the report', async () => {
    const { r, sent, run } = setup();
    r.read('a', 4);
    r.known('a', 6);
    await run();
    expect(sent).toEqual([]);
  });

  it('rooms are independent', async () => {
    const { r, sent, run } = setup();
    r.read('a', 2);
    r.read('b', 9);
    await run();
    expect(sent.sort()).toEqual(['a:2', 'b:9']);
  });

  it('a failed report is sent again on the next read', async () => {
    const s = setup(true);
    s.r.read('a', 2);
    await s.run();
    s.r.read('a', 2);
    await s.run();
    expect(s.sent).toEqual(['a:2', 'a:2']);
  });

  it('forget and stop cancel what is pending', async () => {
    const { r, sent, run, due } = setup();
    r.read('a', 2);
    r.forget('a');
    r.read('b', 1);
    r.stop();
    expect(due.size).toBe(0);
    await run();
    expect(sent).toEqual([]);
  });
});
