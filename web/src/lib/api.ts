import { t } from './strings';
import { isCrossOrigin, TOKEN_KEY, type AppConfig } from './config';
import type { AuditEntry, Member, Mention, Message, MyRoom, NotifyPref, Page, Report, ReportStatus, Role, Room, Session, User, UserRef } from './types';
import type { Locale } from './strings';
import type { SearchPage } from './search';

/** ApiError is the server's {"error":{code,message,field}} (or a network failure, status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** errorText is what to tell the person about a failed call: the server's message, else fallback. */
export function errorText(e: unknown, fallback: string): string {
  return e instanceof ApiError ? e.message : fallback;
}

export interface Storage {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
  removeItem(k: string): void;
}

export class Api {
  private readonly base: string;
  private readonly cross: boolean;

  constructor(
    cfg: AppConfig,
    pageOrigin: string,
    private readonly storage: Storage,
    private readonly fetcher: typeof fetch = (...a) => fetch(...a),
  ) {
    this.base = cfg.apiOrigin;
    this.cross = isCrossOrigin(cfg, pageOrigin);
  }

  /** Where uploads go (lib/uploads.ts sends them with XMLHttpRequest, for progress). */
  uploadTarget(): { base: string; token: string | null } {
    return { base: this.base, token: this.token() };
  }

  /** The bearer token, kept only when the API is on another origin. */
  token(): string | null {
    return this.cross ? this.storage.getItem(TOKEN_KEY) : null;
  }

  private async req<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const tok = this.token();
    if (tok) headers.Authorization = 'Bearer ' + tok;
    let r: Response;
    try {
      r = await this.fetcher(this.base + '/api/v1' + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: this.cross ? 'omit' : 'same-origin',
        signal,
      });
    } catch (e) {
      if (signal?.aborted) throw e; // the caller gave up: not a network failure
      throw new ApiError(0, 'network', t.cannotReachServer);
    }
    if (r.status === 204) return undefined as T;
    let data: any = null;
    try {
      data = await r.json();
    } catch {
      // not JSON
    }
    if (!r.ok) {
      const e = data?.error ?? {};
      throw new ApiError(r.status, e.code ?? 'http_' + r.status, e.message ?? r.statusText ?? 'Request failed', e.field);
    }
    return data as T;
  }

  async signUp(v: { username: string; email: string; password: string; display_name?: string; language?: Locale }): Promise<User> {
    return (await this.req<{ user: User }>('POST', '/users', v)).user;
  }

  async signIn(username: string, password: string): Promise<User> {
    const r = await this.req<{ token: string; user: User }>('POST', '/sessions', { username, password });
    if (this.cross) this.storage.setItem(TOKEN_KEY, r.token);
    return r.user;
  }

  async signOut(): Promise<void> {
    try {
      await this.req('DELETE', '/sessions/current');
    } finally {
      this.storage.removeItem(TOKEN_KEY);
    }
  }

  async me(): Promise<User> {
    return (await this.req<{ user: User }>('GET', '/me')).user;
  }

  async updateMe(p: { display_name?: string; email_notifications?: NotifyPref; language?: Locale }): Promise<User> {
    return (await this.req<{ user: User }>('PATCH', '/me', p)).user;
  }

  /** Asks for another verification e-mail (429 within 2 minutes of the last, 409 once verified). */
  async resendVerification(): Promise<void> {
    await this.req('POST', '/me/email/verify');
  }

  /** Changes the password; every other session of the user ends. */
  async changePassword(current_password: string, new_password: string): Promise<void> {
    await this.req('POST', '/me/password', { current_password, new_password });
  }

  async sessions(): Promise<Session[]> {
    return (await this.req<{ sessions: Session[] }>('GET', '/me/sessions')).sessions ?? [];
  }

  async endSession(id: string): Promise<void> {
    await this.req('DELETE', '/me/sessions/' + encodeURIComponent(id));
  }

  /** Signs out everywhere, this client included. */
  async endAllSessions(): Promise<void> {
    try {
      await this.req('DELETE', '/me/sessions');
    } finally {
      this.storage.removeItem(TOKEN_KEY);
    }
  }

  /** myRooms: the rooms I am a member of, with my role and read state. */
  async myRooms(): Promise<MyRoom[]> {
    return (await this.req<{ rooms: MyRoom[] }>('GET', '/me/rooms')).rooms ?? [];
  }

  /** directory pages the public rooms by name; q filters on the name. */
  async directory(q: { q?: string; cursor?: string; limit?: number } = {}): Promise<{ rooms: Room[]; next_cursor: string }> {
    const p = new URLSearchParams();
    if (q.q) p.set('q', q.q);
    if (q.cursor) p.set('cursor', q.cursor);
    if (q.limit) p.set('limit', String(q.limit));
    const qs = p.toString();
    const r = await this.req<{ rooms: Room[]; next_cursor?: string }>('GET', '/rooms' + (qs ? '?' + qs : ''));
    return { rooms: r.rooms ?? [], next_cursor: r.next_cursor ?? '' };
  }

  async room(id: string): Promise<Room> {
    return (await this.req<{ room: Room }>('GET', `/rooms/${encodeURIComponent(id)}`)).room;
  }

  async createRoom(name: string, topic: string, visibility: 'public' | 'private' = 'public'): Promise<Room> {
    return (await this.req<{ room: Room }>('POST', '/rooms', { name, topic, visibility })).room;
  }

  /** updateRoom renames a room or changes its topic (owners and moderators). */
  async updateRoom(roomId: string, p: { name?: string; topic?: string }): Promise<Room> {
    return (await this.req<{ room: Room }>('PATCH', `/rooms/${encodeURIComponent(roomId)}`, p)).room;
  }

  async members(roomId: string, q: { cursor?: string; limit?: number } = {}): Promise<{ members: Member[]; next_cursor: string }> {
    const p = new URLSearchParams();
    if (q.cursor) p.set('cursor', q.cursor);
    if (q.limit) p.set('limit', String(q.limit));
    const qs = p.toString();
    const r = await this.req<{ members: Member[]; next_cursor?: string }>('GET', `/rooms/${encodeURIComponent(roomId)}/members${qs ? '?' + qs : ''}`);
    return { members: r.members ?? [], next_cursor: r.next_cursor ?? '' };
  }

  /** addMember joins me to a public room, or invites someone. */
  async addMember(roomId: string, userId: string): Promise<void> {
    await this.req('PUT', `/rooms/${encodeURIComponent(roomId)}/members/${encodeURIComponent(userId)}`);
  }

  /** removeMember leaves (my own id) or removes someone. */
  async removeMember(roomId: string, userId: string): Promise<void> {
    await this.req('DELETE', `/rooms/${encodeURIComponent(roomId)}/members/${encodeURIComponent(userId)}`);
  }

  async setRole(roomId: string, userId: string, role: Role): Promise<Member> {
    return (await this.req<{ member: Member }>('PATCH', `/rooms/${encodeURIComponent(roomId)}/members/${encodeURIComponent(userId)}`, { role })).member;
  }

  /** openDM returns the direct room of me and userIds (the same one for the same people). */
  async openDM(userIds: string[]): Promise<Room> {
    return (await this.req<{ room: Room }>('POST', '/dms', { user_ids: userIds })).room;
  }

  async markRead(roomId: string, seq: number): Promise<void> {
    await this.req('PUT', `/rooms/${encodeURIComponent(roomId)}/read`, { seq });
  }

  async messages(roomId: string, q: { before?: number; after?: number; limit?: number } = {}): Promise<Page> {
    const p = new URLSearchParams();
    if (q.before) p.set('before', String(q.before));
    if (q.after !== undefined) p.set('after', String(q.after));
    if (q.limit) p.set('limit', String(q.limit));
    const qs = p.toString();
    const r = await this.req<Page>('GET', `/rooms/${encodeURIComponent(roomId)}/messages${qs ? '?' + qs : ''}`);
    return { messages: r.messages ?? [], has_more: !!r.has_more };
  }

  async postMessage(roomId: string, m: { body: string; client_id?: string; reply_to?: number; also_to_room?: boolean; attachments?: string[] }): Promise<Message> {
    return (await this.req<{ message: Message }>('POST', `/rooms/${encodeURIComponent(roomId)}/messages`, m)).message;
  }

  async editMessage(roomId: string, seq: number, body: string): Promise<Message> {
    return (await this.req<{ message: Message }>('PATCH', `/rooms/${encodeURIComponent(roomId)}/messages/${seq}`, { body })).message;
  }

  async deleteMessage(roomId: string, seq: number): Promise<void> {
    await this.req('DELETE', `/rooms/${encodeURIComponent(roomId)}/messages/${seq}`);
  }

  /** react adds (on) or takes back an emoji (idempotent both ways). */
  async react(roomId: string, seq: number, emoji: string, on: boolean): Promise<void> {
    await this.req(on ? 'PUT' : 'DELETE', `/rooms/${encodeURIComponent(roomId)}/messages/${seq}/reactions/${encodeURIComponent(emoji)}`);
  }

  /** replies pages a thread, oldest first, after the given reply seq. */
  async replies(roomId: string, seq: number, q: { after?: number; limit?: number } = {}): Promise<Page> {
    const p = new URLSearchParams();
    if (q.after) p.set('after', String(q.after));
    if (q.limit) p.set('limit', String(q.limit));
    const qs = p.toString();
    const r = await this.req<Page>('GET', `/rooms/${encodeURIComponent(roomId)}/messages/${seq}/replies${qs ? '?' + qs : ''}`);
    return { messages: r.messages ?? [], has_more: !!r.has_more };
  }

  async mentions(before?: number, limit = 30): Promise<{ mentions: Mention[]; has_more: boolean }> {
    const p = new URLSearchParams({ limit: String(limit) });
    if (before) p.set('before', String(before));
    const r = await this.req<{ mentions: Mention[]; has_more: boolean }>('GET', '/me/mentions?' + p);
    return { mentions: r.mentions ?? [], has_more: !!r.has_more };
  }

  /** search finds messages I can read, newest first (docs/search.md); signal cancels a stale one. */
  async search(q: string, opts: { cursor?: string; limit?: number; signal?: AbortSignal } = {}): Promise<SearchPage> {
    const p = new URLSearchParams({ q });
    if (opts.cursor) p.set('cursor', opts.cursor);
    if (opts.limit) p.set('limit', String(opts.limit));
    const r = await this.req<Partial<SearchPage>>('GET', '/search?' + p, undefined, opts.signal);
    return { results: r.results ?? [], next_cursor: r.next_cursor ?? '' };
  }

  async searchUsers(prefix: string, limit = 8): Promise<UserRef[]> {
    const p = new URLSearchParams({ prefix, limit: String(limit) });
    return (await this.req<{ users: UserRef[] }>('GET', '/users?' + p)).users ?? [];
  }

  /** Downloads the user's data export (a zip). */
  async exportData(): Promise<Blob> {
    const tok = this.token();
    let r: Response;
    try {
      r = await this.fetcher(this.base + '/api/v1/me/export', {
        headers: tok ? { Authorization: 'Bearer ' + tok } : {},
        credentials: this.cross ? 'omit' : 'same-origin',
      });
    } catch {
      throw new ApiError(0, 'network', t.cannotReachServer);
    }
    if (!r.ok) {
      const e = (await r.json().catch(() => null))?.error ?? {};
      throw new ApiError(r.status, e.code ?? 'http_' + r.status, e.message ?? r.statusText ?? 'Request failed', e.field);
    }
    return r.blob();
  }

  /** Deletes the account (403 forbidden: wrong password, nothing changed). */
  async deleteAccount(password: string): Promise<void> {
    await this.req('DELETE', '/me', { password });
    this.storage.removeItem(TOKEN_KEY);
  }

  // Password reset (signed out).
  async requestPasswordReset(email: string): Promise<void> {
    await this.req('POST', '/password-reset', { email });
  }

  async confirmPasswordReset(token: string, new_password: string): Promise<void> {
    await this.req('POST', '/password-reset/confirm', { token, new_password });
  }

  // Reports and the moderation queue.
  async reportMessage(roomId: string, seq: number, reason: string): Promise<Report> {
    return this.req('POST', `/rooms/${encodeURIComponent(roomId)}/messages/${seq}/report`, { reason });
  }

  async reports(status: ReportStatus = 'open', cursor = ''): Promise<{ reports: Report[]; next_cursor: string }> {
    return this.req('GET', '/reports?' + new URLSearchParams({ status, ...(cursor ? { cursor } : {}) }));
  }

  async resolveReport(id: string, status: 'resolved' | 'dismissed', action: string): Promise<Report> {
    return this.req('PATCH', '/reports/' + encodeURIComponent(id), { status, action });
  }

  // The admin area.
  async adminUsers(q = '', cursor = ''): Promise<{ users: User[]; next_cursor: string }> {
    return this.req('GET', '/admin/users?' + new URLSearchParams({ q, ...(cursor ? { cursor } : {}) }));
  }

  async setDeactivated(userId: string, on: boolean): Promise<User> {
    return this.req(on ? 'PUT' : 'DELETE', `/admin/users/${encodeURIComponent(userId)}/deactivated`);
  }

  async sendPasswordReset(userId: string): Promise<void> {
    await this.req('POST', `/admin/users/${encodeURIComponent(userId)}/password-reset`);
  }

  async adminRooms(q = '', cursor = ''): Promise<{ rooms: Room[]; next_cursor: string }> {
    return this.req('GET', '/admin/rooms?' + new URLSearchParams({ q, ...(cursor ? { cursor } : {}) }));
  }

  async setArchived(roomId: string, on: boolean): Promise<Room> {
    return this.req(on ? 'PUT' : 'DELETE', `/admin/rooms/${encodeURIComponent(roomId)}/archived`);
  }

  async deleteRoom(roomId: string): Promise<void> {
    await this.req('DELETE', '/admin/rooms/' + encodeURIComponent(roomId));
  }

  async audit(before = 0): Promise<{ entries: AuditEntry[]; next_before: number }> {
    return this.req('GET', '/admin/audit' + (before ? '?before=' + before : ''));
  }
}
