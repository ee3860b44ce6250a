import { describe, expect, it } from 'vitest';
import { membersPath, parseRoute, roomPath } from './router';

describe('parseRoute', () => {
  it.each([
    { path: '/', hash: '', want: { view: 'home' } },
    { path: '/rooms/r-1', hash: '', want: { view: 'room', roomId: 'r-1' } },
    { path: '/rooms/r-1', hash: '#seq-12', want: { view: 'room', roomId: 'r-1', seq: 12 } },
    { path: '/rooms/r-1/members', hash: '', want: { view: 'members', roomId: 'r-1' } },
    { path: '/rooms/r-1/members/', hash: '', want: { view: 'members', roomId: 'r-1' } },
    { path: '/browse', hash: '', want: { view: 'browse' } },
    { path: '/messages/new', hash: '', want: { view: 'new-dm' } },
    { path: '/mentions', hash: '', want: { view: 'mentions' } },
    { path: '/rooms/r-1/other', hash: '', want: { view: 'home' } },
  ])('$path$hash', ({ path, hash, want }) => {
    expect(parseRoute(path, hash)).toEqual(want);
  });

  it('builds the paths it parses', () => {
    expect(parseRoute(membersPath('a b'), '')).toEqual({ view: 'members', roomId: 'a b' });
    expect(parseRoute(roomPath('a/b'), '')).toEqual({ view: 'room', roomId: 'a/b' });
  });
});
