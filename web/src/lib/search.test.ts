import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { Snippet } from '../components/SearchDialog';
import { jumpTarget, splitSnippet } from './search';
import type { Message } from './types';

describe('splitSnippet', () => {
  it.each([
    ['no marks', 'plain text', [{ text: 'plain text', mark: false }]],
    ['one mark', 'we <mark>deploy</mark> today', [{ text: 'we ', mark: false }, { text: 'deploy', mark: true }, { text: ' today', mark: false }]],
    ['marks at both ends', '<mark>a</mark> b <mark>c</mark>', [{ text: 'a', mark: true }, { text: ' b ', mark: false }, { text: 'c', mark: true }]],
    ['adjacent marks merge', '<mark>a</mark><mark>b</mark>', [{ text: 'ab', mark: true }]],
    ['an unclosed mark is text', 'x <mark>y', [{ text: 'x <mark>y', mark: false }]],
    ['a stray close is text', 'x </mark> y', [{ text: 'x </mark> y', mark: false }]],
    ['empty', '', []],
  ])('%s', (_name, snippet, want) => {
    expect(splitSnippet(snippet)).toEqual(want);
  });

  it('keeps hostile markup as literal text', () => {
    const s = '<img src=x onerror="alert(1)"> <mark>evil</mark> <script>alert(2)</script>';
    const pieces = splitSnippet(s);
    expect(pieces).toEqual([
      { text: '<img src=x onerror="alert(1)"> ', mark: false },
      { text: 'evil', mark: true },
      { text: ' <script>alert(2)</script>', mark: false },
    ]);
    // Joined back without the marks, nothing is lost or added.
    expect(pieces.map((p) => p.text).join('')).toBe(s.replace(/<\/?mark>/g, ''));
  });
});

describe('Snippet', () => {
  it('renders marks as <mark> and everything else as escaped text', () => {
    const html = renderToStaticMarkup(createElement(Snippet, { text: '<img src=x onerror="alert(1)"> <mark>evil</mark> <b>bold</b>' }));
    expect(html).toBe('<span>&lt;img src=x onerror=&quot;alert(1)&quot;&gt; </span><mark>evil</mark><span> &lt;b&gt;bold&lt;/b&gt;</span>');
    expect(html).not.toContain('<img');
  });
});

describe('jumpTarget', () => {
  const m = (over: Partial<Message>): Message => ({ id: 'm', room_id: 'r', seq: 9, author: { id: 'u', username: 'u', display_name: '' }, body: '', created_at: '', ...over });
  it.each([
    ['a message', m({}), { roomId: 'r', seq: 9 }],
    ['a reply only in its thread', m({ reply_to: 4 }), { roomId: 'r', seq: 4, thread: 4 }],
    ['a reply also sent to the room', m({ reply_to: 4, also_to_room: true }), { roomId: 'r', seq: 9 }],
  ])('%s', (_n, msg, want) => {
    expect(jumpTarget('r', msg)).toEqual(want);
  });
});
