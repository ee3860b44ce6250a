// Search results as the client shows them: the snippet split into text and
// marked pieces (rendered as text nodes and <mark> elements, never as
// HTML), and where choosing a result leads.

import type { Message, RoomRef } from './types';

export interface SearchResult {
  room: RoomRef;
  message: Message;
  /** Up to 200 characters of the body, each match between <mark> and </mark>; otherwise raw text. */
  snippet: string;
}

export interface SearchPage {
  results: SearchResult[];
  next_cursor: string;
}

export interface Piece {
  text: string;
  mark: boolean;
}

const OPEN = '<mark>';
const CLOSE = '</mark>';

/**
 * splitSnippet cuts a snippet at its marks. Everything else, including any
 * other tag (or a stray </mark>), stays literal text: the server escapes
 * nothing, so a body saying `<img onerror=…>` must show exactly that.
 */
export function splitSnippet(s: string): Piece[] {
  const out: Piece[] = [];
  const push = (text: string, mark: boolean) => {
    if (!text) return;
    const last = out[out.length - 1];
    if (last && last.mark === mark) last.text += text;
    else out.push({ text, mark });
  };
  let i = 0;
  while (i < s.length) {
    const open = s.indexOf(OPEN, i);
    if (open < 0) break;
    const close = s.indexOf(CLOSE, open + OPEN.length);
    if (close < 0) break; // an unclosed mark is text
    push(s.slice(i, open), false);
    push(s.slice(open + OPEN.length, close), true);
    i = close + CLOSE.length;
  }
  push(s.slice(i), false);
  return out;
}

/**
 * jumpTarget: where showing a message (a search result, a mention) goes. A
 * reply only in its thread is shown at its parent, whose thread then
 * opens; anything else at itself.
 */
export function jumpTarget(roomId: string, m: Pick<Message, 'seq' | 'reply_to' | 'also_to_room'>): { roomId: string; seq: number; thread?: number } {
  if (m.reply_to && !m.also_to_room) return { roomId, seq: m.reply_to, thread: m.reply_to };
  return { roomId, seq: m.seq };
}
