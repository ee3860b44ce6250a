import { describe, expect, it } from 'vitest';
import { BODY_MAX, chars, checkBody, checkEmail, checkNewPassword, checkRoomName, checkSignIn, checkSignUp, checkUsername } from './validate';

describe('client checks mirror the server', () => {
  it.each([
    ['ada', undefined],
    ['  Ada.L-1_ ', undefined],
    ['', 'required'],
    ['ab', 'length'],
    ['a'.repeat(33), 'length'],
    ['ada lovelace', 'usernameChars'],
    ['adá', 'usernameChars'],
  ])('username %j → %s', (u, rule) => expect(checkUsername(u)?.rule).toBe(rule));

  it.each([
    ['ada@example.org', undefined],
    ['', 'required'],
    ['ada', 'email'],
    ['ada@localhost', 'email'],
    ['Ada <ada@example.org>', 'email'],
    ['a b@example.org', 'email'],
    ['a@b@example.org', 'email'],
  ])('e-mail %j → %s', (e, rule) => expect(checkEmail(e)?.rule).toBe(rule));

  it.each([
    ['correct horse battery', [], undefined],
    ['', [], 'required'],
    ['short', [], 'passwordShort'],
    ['ñ'.repeat(65), [], 'passwordShort'], // 130 bytes
    ['          ', [], 'passwordSpaces'],
    ['xx-lovelace-2025', ['lovelace'], 'passwordPersonal'],
    ['xx-adalove-2025', ['adalove@example.org'], 'passwordPersonal'],
    ['ada is fine here', ['ada'], undefined], // names under 4 characters are not looked for
  ])('password %j (personal %j) → %s', (pw, personal, rule) => expect(checkNewPassword(pw, personal)?.rule).toBe(rule));

  it('counts characters as code points, after trimming', () => {
    expect(chars('😀😀')).toBe(2);
    expect(checkBody('  ')?.rule).toBe('required');
    expect(checkBody('😀'.repeat(BODY_MAX))).toBeUndefined();
    expect(checkBody('x'.repeat(BODY_MAX + 1))?.rule).toBe('max');
    expect(checkRoomName(' ')?.rule).toBe('required');
    expect(checkRoomName('x'.repeat(65))?.rule).toBe('max');
  });

  it('reports every sign-up problem at once', () => {
    const p = checkSignUp({ username: 'a', display_name: '', email: 'nope', password: 'short' });
    expect(Object.keys(p).sort()).toEqual(['email', 'password', 'username']);
    expect(checkSignUp({ username: 'ada', display_name: 'Ada', email: 'ada@example.org', password: 'correct horse battery' })).toEqual({});
  });

  it('sign-in asks only for both fields', () => {
    expect(checkSignIn({ username: '', password: '' })).toEqual({ username: { rule: 'required' }, password: { rule: 'required' } });
    expect(checkSignIn({ username: 'x', password: 'y' })).toEqual({});
  });
});
