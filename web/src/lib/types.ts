// The JSON shapes of the OpenChat API (internal/chat on the server).

export type NotifyPref = 'always' | 'offline' | 'never';

export interface UserRef {
  id: string;
  username: string;
  display_name: string;
}

export interface User extends UserRef {
  email?: string;
  email_notifications?: NotifyPref;
  /** The owner followed the verification link; until then no e-mail but that one is sent. */
  email_verified?: boolean;
  created_at?: string;
  /** A server admin (shown to the user and to admins only). */
  admin?: boolean;
  /** Set when an admin deactivated the account (admin lists). */
  deactivated_at?: string;
}

export type Visibility = 'public' | 'private' | 'direct';
export type Role = 'owner' | 'moderator' | 'member';

/** A signed-in client of the user, as GET /me/sessions lists it. */
export interface Session {
  id: string;
  created_at: string;
  last_seen_at: string;
  user_agent: string;
  address: string;
  current: boolean;
}

export interface Room {
  id: string;
  name: string; // "" for direct rooms
  topic: string;
  visibility: Visibility;
  created_by: string;
  created_at: string;
  members?: UserRef[]; // direct rooms: the OTHER members
  /** Set while an admin has archived the room: read-only. */
  archived_at?: string;
}

/** A room of mine (GET /me/rooms, room_added frames): my role and read state in it. */
export interface MyRoom extends Room {
  role: Role;
  last_seq: number;
  last_read_seq: number;
  unread: number;
  unread_mentions: number;
}

export interface Member {
  user: UserRef;
  role: Role;
  joined_at: string;
  deactivated?: boolean;
}

export type ReportStatus = 'open' | 'resolved' | 'dismissed';

/** A report of a message, as the moderation queue lists it. */
export interface Report {
  id: string;
  room: { id: string; name: string; visibility?: Visibility };
  seq: number;
  message: { author: UserRef; body: string; deleted: boolean };
  reporter: UserRef;
  reason: string;
  status: ReportStatus;
  resolved_by?: UserRef;
  action?: string;
  created_at: string;
  resolved_at?: string;
}

/** One entry of the audit log. */
export interface AuditEntry {
  id: number;
  actor_id: string;
  actor_username: string;
  action: string;
  target_type: string;
  target_id: string;
  details: Record<string, unknown>;
  created_at: string;
}

export interface Message {
  id: string;
  room_id: string;
  seq: number;
  author: UserRef;
  body: string;
  created_at: string; // RFC 3339, UTC, milliseconds
  client_id?: string;
  mentions?: string[] | null;
  /** The room's change number of this message's latest change. */
  change?: number;
  edited_at?: string;
  /** A tombstone: body, mentions and reactions are gone; it keeps its place. */
  deleted?: boolean;
  reactions?: Reaction[] | null;
  /** A reply: the seq of the message whose thread it is in. */
  reply_to?: number;
  also_to_room?: boolean;
  reply_count?: number;
  last_reply_at?: string;
  /** Files sent with the message (POST /uploads, then their ids in `attachments`). */
  attachments?: Upload[] | null;
}

/** A stored file (POST /api/v1/uploads); width and height only for images. */
export interface Upload {
  id: string;
  name: string;
  size: number;
  content_type: string;
  width?: number;
  height?: number;
  url: string;
  thumb_url?: string;
}

/** A room as search results and mentions name it. */
export interface RoomRef {
  id: string;
  name: string;
  visibility?: Visibility;
}

/** One emoji on a message; `me` is set by HTTP answers and by the client for frames. */
export interface Reaction {
  emoji: string;
  count: number;
  user_ids?: string[];
  me?: boolean;
}

/** A reaction frame: someone added or took back an emoji. */
export interface ReactionEvent {
  room_id: string;
  seq: number;
  emoji: string;
  count: number;
  user_id: string;
  added: boolean;
  change: number;
}

/** A message sent by this client and not yet acknowledged. */
export interface PendingMessage {
  client_id: string;
  room_id: string;
  body: string;
  author: UserRef;
  created_at: string;
  failed?: string; // why the server refused it
  attachments?: Upload[]; // sent over HTTP with the message
}

export interface Mention {
  id: number;
  room: { id: string; name: string };
  message: Message;
}

export interface Page {
  messages: Message[];
  has_more: boolean;
}

export type ConnState = 'connecting' | 'online' | 'reconnecting' | 'offline';
