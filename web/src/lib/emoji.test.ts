import { describe, expect, it } from 'vitest';
// Read from disk at test time: the server's list, as it stands in the tree.
import goSource from '../../../internal/chat/emoji.go?raw';
import { emojiGlyph, noteRecentEmoji, RECENT_MAX, recentEmoji, SHORTCODES } from './emoji';

function goShortcodes(): string[] {
  const block = /var shortcodes = \[\]string\{([^}]*)\}/.exec(goSource);
  if (!block) throw new Error('shortcodes not found in emoji.go');
  return Array.from(block[1].matchAll(/"([^"]+)"/g), (m) => m[1]);
}

function memStorage() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k) };
}

describe('emoji', () => {
  it('has exactly the server list of shortcodes', () => {
    const go = goShortcodes();
    expect(go.length).toBeGreaterThan(0);
    expect([...SHORTCODES]).toEqual(go);
  });

  it('shows every shortcode as an emoji', () => {
    for (const s of SHORTCODES) expect(emojiGlyph(s)).not.toBe(s);
    expect(emojiGlyph('🦀')).toBe('🦀');
  });

  it('remembers recent emoji, newest first, without repeats, bounded', () => {
    const s = memStorage();
    expect(recentEmoji(s)).toEqual([]);
    noteRecentEmoji(s, '👍');
    noteRecentEmoji(s, '🎉');
    noteRecentEmoji(s, '👍');
    expect(recentEmoji(s)).toEqual(['👍', '🎉']);
    for (let i = 0; i < 20; i++) noteRecentEmoji(s, String(i));
    expect(recentEmoji(s)).toHaveLength(RECENT_MAX);
    s.setItem('openchat:recent-emoji', 'not json');
    expect(recentEmoji(s)).toEqual([]);
  });
});
