import { describe, expect, it } from 'vitest';
import { tokenize } from './text';

describe('tokenize', () => {
  it('keeps text, links and mentions, joining back to the body', () => {
    const body = 'see https://example.org/a?b=1, @ada! <b>bold</b>';
    const segs = tokenize(body);
    expect(segs.map((s) => s.text).join('')).toBe(body);
    expect(segs.filter((s) => s.kind === 'link')).toEqual([{ kind: 'link', text: 'https://example.org/a?b=1', href: 'https://example.org/a?b=1' }]);
    expect(segs.filter((s) => s.kind === 'mention')).toEqual([{ kind: 'mention', text: '@ada', username: 'ada' }]);
  });
  it('never links other schemes', () => {
    expect(tokenize('javascript:alert(1) data:text/html,x').every((s) => s.kind === 'text')).toBe(true);
  });
  it('keeps balanced parentheses, drops a closing one', () => {
    expect(tokenize('(https://en.wikipedia.org/wiki/Go_(language))').find((s) => s.kind === 'link')?.text).toBe(
      'https://en.wikipedia.org/wiki/Go_(language)',
    );
  });
  it('links www. hosts with https', () => {
    expect(tokenize('go to www.example.com.').find((s) => s.kind === 'link')).toEqual({ kind: 'link', text: 'www.example.com', href: 'https://www.example.com/' });
  });
  it('does not take e-mail addresses for mentions', () => {
    expect(tokenize('mail ada@example.org').some((s) => s.kind === 'mention')).toBe(false);
  });
  it('drops trailing sentence punctuation from mentions', () => {
    expect(tokenize('thanks @ada.').map((s) => s.text)).toEqual(['thanks ', '@ada', '.']);
  });
});
