import { describe, expect, it } from 'vitest';
import { shouldNotify, titleWithCount, unreadTotal, type NotifyContext } from './notify';

const bob = { id: 'u2', username: 'bob', display_name: '' };
const base: NotifyContext = { hidden: true, allowed: true, muted: false, meId: 'u1', mentionsMe: true };

describe('desktop notifications', () => {
  it.each([
    ['a mention in a room while hidden', {}, 'public', true],
    ['a direct message while hidden', { mentionsMe: false }, 'direct', true],
    ['a plain room message', { mentionsMe: false }, 'public', false],
    ['while the page is visible', { hidden: false }, 'public', false],
    ['not allowed', { allowed: false }, 'direct', false],
    ['a muted room', { muted: true }, 'direct', false],
    ['my own message', { meId: 'u2' }, 'direct', false],
  ] as const)('%s', (_, over, visibility, want) => {
    expect(shouldNotify({ author: bob }, { visibility }, { ...base, ...over })).toBe(want);
  });

  it('needs a room of mine', () => expect(shouldNotify({ author: bob }, undefined, base)).toBe(false));
});

describe('tab title', () => {
  const rooms = [
    { id: 'a', unread: 2 },
    { id: 'b', unread: 5 },
  ];
  it('counts unread, the open room only while the page is hidden', () => {
    expect(unreadTotal(rooms, 'a', true)).toBe(5);
    expect(unreadTotal(rooms, 'a', false)).toBe(7);
    expect(unreadTotal(rooms, null, true)).toBe(7);
  });
  it('prefixes the count, capped at 99+', () => {
    expect(titleWithCount('OpenChat', 0)).toBe('OpenChat');
    expect(titleWithCount('#general · OpenChat', 3)).toBe('(3) #general · OpenChat');
    expect(titleWithCount('OpenChat', 250)).toBe('(99+) OpenChat');
  });
});
