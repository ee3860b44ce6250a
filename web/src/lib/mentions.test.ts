import { describe, expect, it } from 'vitest';
import { applyMention, matchUsers, mentionQueryAt, mentionsUser } from './mentions';

describe('mentionQueryAt', () => {
  const cases: Array<[string, string, { start: number; query: string } | null]> = [
    ['bare at', '@', { start: 0, query: '' }],
    ['start', '@ad', { start: 0, query: 'ad' }],
    ['after space', 'hi @bo', { start: 3, query: 'bo' }],
    ['after paren', '(@bo', { start: 1, query: 'bo' }],
    ['email is not one', 'ada@exa', null],
    ['no at', 'hello', null],
    ['space after name', '@bob ', null],
    ['dots allowed', 'cc @ada.lo', { start: 3, query: 'ada.lo' }],
    ['unicode before', 'é@ada', null],
  ];
  for (const [name, text, want] of cases) {
    it(name, () => expect(mentionQueryAt(text, text.length)).toEqual(want));
  }
  it('uses the caret, not the end', () => {
    expect(mentionQueryAt('@ad and more', 3)).toEqual({ start: 0, query: 'ad' });
  });
});

describe('matchUsers', () => {
  const users = [
    { id: '1', username: 'adam', display_name: 'Adam Smith' },
    { id: '2', username: 'ada', display_name: 'Ada Lovelace' },
    { id: '3', username: 'bob', display_name: 'Robert Adler' },
    { id: '4', username: 'adalbert', display_name: '' },
    { id: '2', username: 'ada', display_name: 'Ada Lovelace' }, // duplicate source
  ];
  it('ranks exact, then username prefix by length, then display names', () => {
    expect(matchUsers(users, 'ada').map((u) => u.username)).toEqual(['ada', 'adam', 'adalbert']);
    expect(matchUsers(users, 'ad').map((u) => u.username)).toEqual(['ada', 'adam', 'adalbert', 'bob']);
  });
  it('is case-insensitive', () => {
    expect(matchUsers(users, 'BO').map((u) => u.username)).toEqual(['bob']);
  });
  it('lists everyone for an empty query, bounded', () => {
    expect(matchUsers(users, '', 2)).toHaveLength(2);
  });
});

describe('applyMention', () => {
  it('replaces the query with the name and a space', () => {
    const text = 'hi @ad';
    const q = mentionQueryAt(text, text.length)!;
    expect(applyMention(text, q, text.length, 'ada')).toEqual({ text: 'hi @ada ', caret: 8 });
  });
  it('replaces the rest of a partly typed name in the middle', () => {
    const text = 'hi @adxx there';
    const q = mentionQueryAt(text, 6)!;
    expect(applyMention(text, q, 6, 'ada').text).toBe('hi @ada there');
  });
});

it('mentionsUser compares case-insensitively and tolerates null', () => {
  expect(mentionsUser({ mentions: ['ada'] }, 'Ada')).toBe(true);
  expect(mentionsUser({ mentions: null }, 'ada')).toBe(false);
  expect(mentionsUser({ mentions: ['bob'] }, 'ada')).toBe(false);
});
