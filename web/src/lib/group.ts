import { locale as current, t } from './strings';
import type { Message, PendingMessage } from './types';

/** Messages by one author within this gap are shown as one group. */
export const GROUP_GAP_MS = 5 * 60 * 1000;

export type Item = Message | (PendingMessage & { seq?: undefined });

export type Row =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'unread'; key: string }
  | { kind: 'group'; key: string; author: Item['author']; first: Date; items: Item[] };

/** The local calendar day of a date, as YYYY-MM-DD. */
export function dayKey(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** "Today", "Yesterday" or a local date such as "Monday, March 3, 2025", in the interface language. */
export function dayLabel(d: Date, now: Date = new Date(), locale: string = current): string {
  const today = dayKey(now);
  const y = new Date(now);
  y.setDate(y.getDate() - 1);
  const k = dayKey(d);
  if (k === today) return t.today;
  if (k === dayKey(y)) return t.yesterday;
  return d.toLocaleDateString(locale, {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    ...(d.getFullYear() !== now.getFullYear() ? { year: 'numeric' } : {}),
  });
}

/** A local time such as "14:05" or "2:05 PM", following the locale. */
export function timeLabel(d: Date, locale: string = current): string {
  return d.toLocaleTimeString(locale, { hour: 'numeric', minute: '2-digit' });
}

/**
 * groupMessages turns a room's messages (oldest first) into day separators
 * and author groups: consecutive messages of one author on one local day,
 * each within GROUP_GAP_MS of the previous. With readUpTo (my read position
 * when the room was opened), a "new messages" row goes before the first
 * later message of someone else, and starts a new group.
 */
export function groupMessages(items: Item[], now: Date = new Date(), readUpTo?: number, me?: string): Row[] {
  const rows: Row[] = [];
  let day = '';
  let group: Extract<Row, { kind: 'group' }> | null = null;
  let prevTime = 0;
  let unreadShown = readUpTo === undefined;
  for (const m of items) {
    const d = new Date(m.created_at);
    const k = dayKey(d);
    if (k !== day) {
      day = k;
      rows.push({ kind: 'day', key: 'day-' + k, label: dayLabel(d, now) });
      group = null;
    }
    if (!unreadShown && m.seq !== undefined && m.seq > readUpTo! && m.author.id !== me) {
      unreadShown = true;
      rows.push({ kind: 'unread', key: 'unread' });
      group = null;
    }
    const t = d.getTime();
    if (!group || group.author.id !== m.author.id || t - prevTime > GROUP_GAP_MS) {
      group = { kind: 'group', key: 'g-' + itemKey(m), author: m.author, first: d, items: [] };
      rows.push(group);
    }
    group.items.push(m);
    prevTime = t;
  }
  return rows;
}

/** A stable React key: the seq, or the client_id while pending. */
export function itemKey(m: Item): string {
  return m.seq !== undefined ? 's' + m.seq : 'p' + m.client_id;
}
