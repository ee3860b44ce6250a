// The reactions the picker offers. SHORTCODES is exactly the server's list
// (internal/chat/emoji.go; a test compares the two); a reaction is one of
// these or one Unicode emoji.

import type { Storage } from './api';

export const SHORTCODES = [
  ':+1:', ':-1:', ':clap:', ':eyes:', ':fire:', ':heart:', ':joy:', ':laughing:', ':ok_hand:', ':party:',
  ':pray:', ':rocket:', ':smile:', ':tada:', ':thinking:', ':thumbsdown:', ':thumbsup:', ':wave:', ':white_check_mark:', ':x:',
] as const;

/** How a shortcode shows: the emoji it stands for. */
const SHOWN: Record<string, string> = {
  ':+1:': '👍', ':-1:': '👎', ':clap:': '👏', ':eyes:': '👀', ':fire:': '🔥', ':heart:': '❤️', ':joy:': '😂', ':laughing:': '😆',
  ':ok_hand:': '👌', ':party:': '🥳', ':pray:': '🙏', ':rocket:': '🚀', ':smile:': '😄', ':tada:': '🎉', ':thinking:': '🤔',
  ':thumbsdown:': '👎', ':thumbsup:': '👍', ':wave:': '👋', ':white_check_mark:': '✅', ':x:': '❌',
};

/** The picker's common choices (Unicode, as people type them). */
export const COMMON_EMOJI = ['👍', '❤️', '😂', '🎉', '👀', '🙏', '🔥', '✅', '😄', '🤔', '👏', '🚀'];

/** How many recently used emoji the picker remembers. */
export const RECENT_MAX = 8;
const RECENT_KEY = 'openchat:recent-emoji';

/** emojiGlyph: what to show for a reaction (a shortcode as its emoji). */
export function emojiGlyph(e: string): string {
  return SHOWN[e] ?? e;
}

export function recentEmoji(s: Storage): string[] {
  try {
    const v = JSON.parse(s.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, RECENT_MAX) : [];
  } catch {
    return [];
  }
}

/** noteRecentEmoji puts an emoji first in the recent list. */
export function noteRecentEmoji(s: Storage, e: string): string[] {
  const list = [e, ...recentEmoji(s).filter((x) => x !== e)].slice(0, RECENT_MAX);
  try {
    s.setItem(RECENT_KEY, JSON.stringify(list));
  } catch {
    // Storage full or refused: the list is only a convenience.
  }
  return list;
}
