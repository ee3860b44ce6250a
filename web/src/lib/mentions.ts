import type { Message, UserRef } from './types';

const NAME_CHAR = /[a-z0-9_.-]/i;
// What may stand before '@' for it to start a mention (mirrors the server:
// not a word character, so "ada@example.org" is not one).
const WORD_BEFORE = /[\p{L}\p{N}_.\-@+/]/u;

/** Autocomplete shows at most this many names. */
export const SUGGESTIONS_MAX = 8;

export interface MentionQuery {
  start: number; // index of '@'
  query: string; // what follows it up to the caret
}

/**
 * mentionQueryAt finds the `@name` being typed at caret, if any: an '@' at
 * the start or after a non-word character, followed only by username
 * characters up to the caret.
 */
export function mentionQueryAt(text: string, caret: number): MentionQuery | null {
  let i = caret;
  while (i > 0 && NAME_CHAR.test(text[i - 1])) i--;
  if (i === 0 || text[i - 1] !== '@') return null;
  const at = i - 1;
  if (at > 0 && WORD_BEFORE.test(text[at - 1])) return null;
  const query = text.slice(i, caret);
  if (query.length > 32) return null;
  return { start: at, query };
}

/**
 * matchUsers ranks users for a query: username prefix matches first (exact
 * match, then shorter names), then display-name word prefixes; case-insensitive.
 */
export function matchUsers<U extends UserRef>(users: U[], query: string, limit = SUGGESTIONS_MAX): U[] {
  const q = query.toLowerCase();
  const seen = new Set<string>();
  const scored: Array<{ u: U; score: number }> = [];
  for (const u of users) {
    if (seen.has(u.id)) continue;
    seen.add(u.id);
    const name = u.username.toLowerCase();
    let score = -1;
    if (name === q) score = 0;
    else if (name.startsWith(q)) score = 1;
    else if (q && (u.display_name || '').toLowerCase().split(/\s+/).some((w) => w.startsWith(q))) score = 2;
    if (score >= 0) scored.push({ u, score });
  }
  scored.sort((a, b) => a.score - b.score || a.u.username.length - b.u.username.length || a.u.username.localeCompare(b.u.username));
  return scored.slice(0, limit).map((s) => s.u);
}

/** applyMention replaces the query at q with "@username " and returns the new text and caret. */
export function applyMention(text: string, q: MentionQuery, caret: number, username: string): { text: string; caret: number } {
  const insert = '@' + username + ' ';
  const rest = text.slice(caret).replace(/^[a-z0-9_.-]*\s?/i, '');
  return { text: text.slice(0, q.start) + insert + rest, caret: q.start + insert.length };
}

/** Whether the message mentions the user (the server lists mentioned usernames). */
export function mentionsUser(m: Pick<Message, 'mentions'>, username: string | undefined): boolean {
  if (!username || !m.mentions) return false;
  const u = username.toLowerCase();
  return m.mentions.some((n) => n.toLowerCase() === u);
}
