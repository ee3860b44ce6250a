import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { fileUrl, formatSize, hasPreview, sendFile, uploadError, type Xhr } from './uploads';
import type { Upload } from './types';

class FakeXhr implements Xhr {
  withCredentials = false;
  status = 0;
  responseText = '';
  upload: Xhr['upload'] = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  opened = '';
  headers: Record<string, string> = {};
  body: Blob | null = null;
  open(method: string, url: string) {
    this.opened = method + ' ' + url;
  }
  setRequestHeader(n: string, v: string) {
    this.headers[n] = v;
  }
  send(b: Blob) {
    this.body = b;
  }
  abort() {
    this.onabort?.();
  }
  answer(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

const stored: Upload = { id: 'up1', name: 'a b.png', size: 3, content_type: 'image/png', width: 1, height: 1, url: '/u/up1', thumb_url: '/u/up1/thumb' };

describe('sendFile', () => {
  it('posts the raw file with its type and name, reports progress and resolves with the upload', async () => {
    const x = new FakeXhr();
    const seen: number[] = [];
    const file = new File(['abc'], 'a b.png', { type: 'image/png' });
    const s = sendFile({ base: 'https://api.example.org', token: 'tok' }, file, (f) => seen.push(f), () => x);
    expect(x.opened).toBe('POST https://api.example.org/api/v1/uploads?name=a%20b.png');
    expect(x.headers['Content-Type']).toBe('image/png');
    expect(x.headers.Authorization).toBe('Bearer tok');
    expect(x.body).toBe(file);
    x.upload.onprogress?.({ loaded: 1, total: 4, lengthComputable: true });
    x.upload.onprogress?.({ loaded: 0, total: 0, lengthComputable: false });
    x.answer(201, { upload: stored });
    await expect(s.done).resolves.toEqual(stored);
    expect(seen).toEqual([0.25, 1]);
  });

  it('sends no token on the same origin and a default type for unknown files', () => {
    const x = new FakeXhr();
    sendFile({ base: '', token: null }, new File(['x'], 'notes'), () => {}, () => x);
    expect(x.headers.Authorization).toBeUndefined();
    expect(x.headers['Content-Type']).toBe('application/octet-stream');
  });

  it('rejects a 413 with the server error, and says so in words', async () => {
    const x = new FakeXhr();
    const s = sendFile({ base: '', token: null }, new File(['x'], 'big.iso'), () => {}, () => x);
    x.answer(413, { error: { code: 'too_large', message: 'file is larger than 25 MB' } });
    const e = await s.done.catch((err) => err);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(413);
    expect(uploadError(e, 'big.iso')).toBe('big.iso is too large, or your storage is full.');
  });

  it('cancels: abort rejects with status 0', async () => {
    const x = new FakeXhr();
    const s = sendFile({ base: '', token: null }, new File(['x'], 'a'), () => {}, () => x);
    s.abort();
    const e = await s.done.catch((err) => err);
    expect(e.code).toBe('aborted');
    expect(uploadError(e, 'a')).toBe('Could not upload a.');
  });
});

describe('formatSize', () => {
  it.each([
    [0, 'en', '0 bytes'],
    [532, 'en', '532 bytes'],
    [1234, 'en', '1.2 kB'],
    [3_400_000, 'en', '3.4 MB'],
    [3_400_000, 'es', '3,4 MB'],
    [2e12, 'en', '2,000 GB'],
  ])('%d in %s is %s', (n, lang, want) => {
    expect(formatSize(n, lang)).toBe(want);
  });
});

describe('hasPreview', () => {
  it.each([
    ['an image with a thumbnail', stored, true],
    ['an image without one', { ...stored, thumb_url: undefined }, false],
    ['a PDF', { ...stored, content_type: 'application/pdf' }, false],
  ])('%s: %s', (_n, u, want) => {
    expect(hasPreview(u as Upload)).toBe(want);
  });
});

describe('fileUrl', () => {
  it.each([
    ['', '/api/v1/uploads/u1', '/api/v1/uploads/u1'],
    ['https://api.example.org', '/api/v1/uploads/u1', 'https://api.example.org/api/v1/uploads/u1'],
    ['https://api.example.org', 'https://files.example.org/u1', 'https://files.example.org/u1'],
  ])('%s + %s', (base, url, want) => {
    expect(fileUrl(base, url)).toBe(want);
  });
});
