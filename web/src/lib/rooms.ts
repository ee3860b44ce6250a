// Rooms without React: how a room is named, how the sidebar groups them,
// and the unread bookkeeping between two GET /me/rooms snapshots (the
// server keeps the read position; live frames keep the counts current).

import { t } from './strings';
import type { MyRoom, Room, UserRef } from './types';

/** A direct message holds at most this many people besides you (8 with you). */
export const DM_MAX_OTHERS = 7;

function personName(u: UserRef): string {
  return u.display_name || u.username;
}

/** dmName names a direct room by its other members, alphabetically. */
export function dmName(members: UserRef[] | undefined): string {
  const names = (members ?? []).map(personName).sort((a, b) => a.localeCompare(b));
  return names.length ? names.join(', ') : t.justYou;
}

/** roomTitle is what a room is called on screen: its name, or its people for a DM. */
export function roomTitle(r: Room): string {
  return r.visibility === 'direct' ? dmName(r.members) : r.name;
}

/** roomLabel is the title with a # for named rooms (headings, composer label). */
export function roomLabel(r: Room): string {
  return r.visibility === 'direct' ? dmName(r.members) : '#' + r.name;
}

export interface Grouped {
  rooms: MyRoom[]; // public and private, by name
  dms: MyRoom[]; // direct, by their people's names
}

function matches(r: MyRoom, f: string): boolean {
  if (!f) return true;
  if (roomTitle(r).toLowerCase().includes(f) || r.topic.toLowerCase().includes(f)) return true;
  return (r.members ?? []).some((u) => u.username.toLowerCase().includes(f));
}

/** groupRooms splits my rooms into the sidebar's two sections, filtered by a search text. */
export function groupRooms(all: MyRoom[], filter = ''): Grouped {
  const f = filter.trim().toLowerCase();
  const byTitle = (a: MyRoom, b: MyRoom) => {
    const x = roomTitle(a).toLowerCase();
    const y = roomTitle(b).toLowerCase();
    return x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : 1;
  };
  const shown = all.filter((r) => matches(r, f));
  return {
    rooms: shown.filter((r) => r.visibility !== 'direct').sort(byTitle),
    dms: shown.filter((r) => r.visibility === 'direct').sort(byTitle),
  };
}

/** What the store knows about a live message when it arrives. */
export interface Arrival {
  seq: number;
  mine: boolean; // my own message: posting marks the room read (a thread-only reply does not)
  mentionsMe: boolean;
  visible: boolean; // the room is open on a visible page
  threadOnly: boolean; // a reply shown only in its thread: not an unread of the room, though a mention in it is
}

/**
 * onMessage counts a live message. A seq already counted (a replay, or a
 * message the last snapshot included) changes nothing.
 */
export function onMessage(r: MyRoom, m: Arrival): MyRoom {
  if (m.seq <= r.last_seq) return r;
  if (m.mine && !m.threadOnly) return { ...r, last_seq: m.seq, last_read_seq: m.seq, unread: 0, unread_mentions: 0 };
  if (m.visible) return { ...r, last_seq: m.seq };
  return { ...r, last_seq: m.seq, unread: r.unread + (m.threadOnly ? 0 : 1), unread_mentions: r.unread_mentions + (m.mentionsMe ? 1 : 0) };
}

/**
 * onRead moves the read position forward (never back). Read up to the end
 * clears the counts; read part of the way, at most the messages after it
 * stay unread (the next snapshot has the exact figure).
 */
export function onRead(r: MyRoom, seq: number): MyRoom {
  if (seq <= r.last_read_seq) return r;
  if (seq >= r.last_seq) return { ...r, last_seq: seq, last_read_seq: seq, unread: 0, unread_mentions: 0 };
  const unread = Math.min(r.unread, r.last_seq - seq);
  return { ...r, last_read_seq: seq, unread, unread_mentions: Math.min(r.unread_mentions, unread) };
}

/**
 * mergeSnapshot combines a room from GET /me/rooms with what this client
 * counted meanwhile: the server's room, unless live frames went past its
 * last_seq, and the further of the two read positions.
 */
export function mergeSnapshot(local: MyRoom | undefined, server: MyRoom): MyRoom {
  if (!local) return server;
  if (local.last_seq > server.last_seq) {
    const base = { ...server, last_seq: local.last_seq, last_read_seq: local.last_read_seq, unread: local.unread, unread_mentions: local.unread_mentions };
    return onRead(base, server.last_read_seq);
  }
  return onRead(server, local.last_read_seq);
}

/** mergeRooms applies a whole snapshot: rooms missing from it are gone. */
export function mergeRooms(local: MyRoom[], server: MyRoom[]): MyRoom[] {
  const byId = new Map(local.map((r) => [r.id, r]));
  return server.map((r) => mergeSnapshot(byId.get(r.id), r));
}

/** upsertRoom adds a room or replaces the one with the same id (room_added, joins, new DMs). */
export function upsertRoom(rooms: MyRoom[], r: MyRoom): MyRoom[] {
  const i = rooms.findIndex((x) => x.id === r.id);
  if (i < 0) return [...rooms, r];
  const next = rooms.slice();
  next[i] = mergeSnapshot(rooms[i], r);
  return next;
}

/**
 * withRoomInfo applies a room_changed frame: the room's name, topic and
 * archive state become the frame's; my role and read state stay.
 */
export function withRoomInfo<T extends Room>(r: T, info: Room): T {
  const next: T = { ...r, name: info.name, topic: info.topic, visibility: info.visibility };
  if (info.archived_at) next.archived_at = info.archived_at;
  else delete next.archived_at;
  return next;
}

/**
 * asMyRoom completes a room object that came without my read state (the
 * POST /dms reply): nothing unread, read up to what it says.
 */
export function asMyRoom(r: Room & Partial<MyRoom>, role: MyRoom['role'] = 'member'): MyRoom {
  const last = r.last_seq ?? 0;
  return {
    ...r,
    role: r.role ?? role,
    last_seq: last,
    last_read_seq: r.last_read_seq ?? last,
    unread: r.unread ?? 0,
    unread_mentions: r.unread_mentions ?? 0,
  };
}

/** canModerate: owners and moderators invite to and remove from a room. */
export function canModerate(r: MyRoom | undefined): boolean {
  return !!r && r.visibility !== 'direct' && (r.role === 'owner' || r.role === 'moderator');
}
