import { describe, expect, it } from 'vitest';
import { ApiError } from '../lib/api';
import type { Sending } from '../lib/uploads';
import type { Upload } from '../lib/types';
import { UploadBook } from './uploads';

// A controllable upload per file: progress, finish, fail; abort rejects as the XHR does.
function fakeSend() {
  const calls: Array<{ file: File; progress: (f: number) => void; ok: (u: Upload) => void; fail: (e: unknown) => void; aborted: boolean }> = [];
  const send = (file: File, progress: (f: number) => void): Sending => {
    let ok!: (u: Upload) => void;
    let fail!: (e: unknown) => void;
    const done = new Promise<Upload>((a, b) => ((ok = a), (fail = b)));
    const c = { file, progress, ok, fail, aborted: false };
    calls.push(c);
    return { done, abort: () => ((c.aborted = true), fail(new ApiError(0, 'aborted', 'aborted'))) };
  };
  return { send, calls };
}
const file = (name: string) => new File(['x'], name, { type: 'text/plain' });
const up = (id: string): Upload => ({ id, name: id, size: 1, content_type: 'text/plain', url: '/u/' + id });
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('UploadBook', () => {
  it('uploads, reports progress, and hands the finished ones to the message once', async () => {
    const { send, calls } = fakeSend();
    const book = new UploadBook(send);
    let changes = 0;
    book.subscribe(() => changes++);
    book.add('r', [file('a'), file('b')]);
    expect(book.list('r').map((a) => [a.name, a.state])).toEqual([['a', 'uploading'], ['b', 'uploading']]);
    calls[0].progress(0.5);
    expect(book.list('r')[0].progress).toBe(0.5);
    calls[0].ok(up('A'));
    await tick();
    expect(book.busy('r')).toBe(true);
    calls[1].ok(up('B'));
    await tick();
    expect(book.busy('r')).toBe(false);
    expect(book.take('r').map((u) => u.id)).toEqual(['A', 'B']);
    expect(book.list('r')).toEqual([]);
    expect(changes).toBeGreaterThan(3);
  });

  it('cancels an upload on its way: aborted and gone, nothing sent with the message', async () => {
    const { send, calls } = fakeSend();
    const book = new UploadBook(send);
    book.add('r', [file('a')]);
    book.remove('r', book.list('r')[0].key);
    await tick();
    expect(calls[0].aborted).toBe(true);
    expect(book.list('r')).toEqual([]);
    expect(book.take('r')).toEqual([]);
  });

  it('shows a refusal (413) next to the file and sends nothing for it', async () => {
    const { send, calls } = fakeSend();
    const book = new UploadBook(send);
    book.add('r', [file('big.iso')]);
    calls[0].fail(new ApiError(413, 'too_large', 'too large'));
    await tick();
    expect(book.list('r')[0]).toMatchObject({ state: 'failed', error: 'big.iso is too large, or your storage is full.' });
    expect(book.busy('r')).toBe(false);
    expect(book.take('r')).toEqual([]);
  });

  it('takes at most 10 files per message and says so', () => {
    const { send, calls } = fakeSend();
    const book = new UploadBook(send);
    book.add('r', Array.from({ length: 8 }, (_, i) => file('f' + i)));
    book.add('r', [file('x'), file('y'), file('z')]);
    expect(calls.length).toBe(10);
    expect(book.list('r').length).toBe(10);
    expect(book.notice.r).toBe('At most 10 files per message.');
    expect(book.list('other')).toEqual([]);
  });
});
