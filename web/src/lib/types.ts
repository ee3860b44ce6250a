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
}

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
  name: string;
  topic: string;
  created_by: string;
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
}

/** A message sent by this client and not yet acknowledged. */
export interface PendingMessage {
  client_id: string;
  room_id: string;
  body: string;
  author: UserRef;
  created_at: string;
  failed?: string; // why the server refused it
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
