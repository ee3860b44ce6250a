import { describe, expect, it } from 'vitest';
import { unreadPlace, type UnreadLayout } from './unread';

describe('unreadPlace', () => {
  const base: UnreadLayout = { readUpTo: 10, firstSeq: 1, hasOlder: false, dividerBottom: 300, viewTop: 100 };
  it.each<[string, Partial<UnreadLayout>, ReturnType<typeof unreadPlace>]>([
    ['nothing unread', { readUpTo: undefined }, 'none'],
    ['the line is on screen', {}, 'in-view'],
    ['the line is scrolled past', { dividerBottom: 40 }, 'above'],
    ['the line just touches the top', { dividerBottom: 100 }, 'above'],
    ['the first unread is in a page not loaded yet', { firstSeq: 30, hasOlder: true }, 'older'],
    ['the first loaded message is the first unread', { firstSeq: 11, hasOlder: true }, 'in-view'],
    ['no line (only my own messages are new)', { dividerBottom: undefined }, 'none'],
  ])('%s', (_, over, want) => expect(unreadPlace({ ...base, ...over })).toBe(want));
});
