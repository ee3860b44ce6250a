import { describe, expect, it } from 'vitest';
import { Api, ApiError } from './api';
import { TOKEN_KEY } from './config';

// A fake server: records requests and answers from a table.
function fakeApi(answers: Record<string, { status: number; body?: unknown }>) {
  const calls: Array<{ method: string; url: string; body?: unknown }> = [];
  const store = new Map<string, string>([[TOKEN_KEY, 'tok']]);
  const storage = {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
    removeItem: (k: string) => void store.delete(k),
  };
  const fetcher = (async (url: string, init: RequestInit) => {
    const method = init.method ?? 'GET';
    calls.push({ method, url, body: init.body ? JSON.parse(init.body as string) : undefined });
    const a = answers[method + ' ' + url.replace('https://api.example.org/api/v1', '')] ?? { status: 404, body: { error: { code: 'not_found', message: 'no' } } };
    return new Response(a.status === 204 ? null : JSON.stringify(a.body ?? {}), { status: a.status });
  }) as unknown as typeof fetch;
  const api = new Api({ apiOrigin: 'https://api.example.org', wsUrl: '' }, 'https://chat.example.org', storage, fetcher);
  return { api, calls, store };
}

describe('account calls', () => {
  it('changes the password with both fields and reports the offending one', async () => {
    const { api, calls } = fakeApi({
      'POST /me/password': { status: 422, body: { error: { code: 'invalid', message: 'is not your current password', field: 'current_password' } } },
    });
    const err = await api.changePassword('old', 'new').catch((e) => e);
    expect(calls[0].body).toEqual({ current_password: 'old', new_password: 'new' });
    expect(err).toBeInstanceOf(ApiError);
    expect(err.field).toBe('current_password');
  });

  it('lists and ends sessions; signing out everywhere forgets the token', async () => {
    const { api, calls, store } = fakeApi({
      'GET /me/sessions': { status: 200, body: { sessions: [{ id: 's 1', current: true }] } },
      'DELETE /me/sessions/s%201': { status: 204 },
      'DELETE /me/sessions': { status: 204 },
    });
    expect((await api.sessions())[0].id).toBe('s 1');
    await api.endSession('s 1');
    expect(store.get(TOKEN_KEY)).toBe('tok');
    await api.endAllSessions();
    expect(store.has(TOKEN_KEY)).toBe(false);
    expect(calls.map((c) => c.method + ' ' + c.url.replace('https://api.example.org/api/v1', ''))).toEqual([
      'GET /me/sessions',
      'DELETE /me/sessions/s%201',
      'DELETE /me/sessions',
    ]);
  });

  it('asks for another verification e-mail', async () => {
    const { api } = fakeApi({ 'POST /me/email/verify': { status: 429, body: { error: { code: 'rate_limited', message: 'later' } } } });
    const err = await api.resendVerification().catch((e) => e);
    expect(err.code).toBe('rate_limited');
  });
});

describe('data rights', () => {
  it('downloads the export as a blob, and reports a refusal', async () => {
    const { api } = fakeApi({ 'GET /me/export': { status: 200, body: { zip: 1 } } });
    expect(await (await api.exportData()).text()).toBe('{"zip":1}');
    const limited = fakeApi({ 'GET /me/export': { status: 429, body: { error: { code: 'rate_limited', message: 'later' } } } });
    const err = await limited.api.exportData().catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('rate_limited');
  });

  it('deletes the account with the password and forgets the token; a wrong password keeps it', async () => {
    const wrong = fakeApi({ 'DELETE /me': { status: 403, body: { error: { code: 'forbidden', message: 'the password is wrong' } } } });
    expect((await wrong.api.deleteAccount('nope').catch((e) => e)).code).toBe('forbidden');
    expect(wrong.store.get(TOKEN_KEY)).toBe('tok');
    const { api, calls, store } = fakeApi({ 'DELETE /me': { status: 204 } });
    await api.deleteAccount('correct horse battery');
    expect(calls[0].body).toEqual({ password: 'correct horse battery' });
    expect(store.has(TOKEN_KEY)).toBe(false);
  });
});
