// Client-side checks mirroring the server's rules (internal/chat: user.go,
// room.go, message.go), so a form that would be refused is not sent: a
// refused sign-up or sign-in still spends a rate-limited attempt. The
// server stays the judge (password strength is only known there).

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
export const DISPLAY_NAME_MAX = 64;
export const EMAIL_MAX = 254;
export const PASSWORD_MIN = 10; // characters
export const PASSWORD_MAX_BYTES = 128;
export const ROOM_NAME_MAX = 64;
export const ROOM_TOPIC_MAX = 256;
export const BODY_MAX = 4000; // characters after trimming
/** Names shorter than this are not looked for inside the password (the server's passwordInputMinLen). */
const PASSWORD_INPUT_MIN = 4;

/** Why a field is refused, as a key of the catalog's `invalid` section plus its figures. */
export type Problem =
  | { rule: 'required' }
  | { rule: 'length'; min: number; max: number }
  | { rule: 'max'; max: number }
  | { rule: 'usernameChars' }
  | { rule: 'email' }
  | { rule: 'passwordShort'; min: number }
  | { rule: 'passwordSpaces' }
  | { rule: 'passwordPersonal' };

export type Problems<F extends string> = Partial<Record<F, Problem>>;

/** chars counts characters as the server does (code points, not UTF-16 units). */
export function chars(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** normalizeUsername approximates the server's PRECIS mapping for the ASCII names it accepts. */
export function normalizeUsername(s: string): string {
  return s.trim().toLowerCase();
}

export function checkUsername(raw: string): Problem | undefined {
  const s = normalizeUsername(raw);
  if (!s) return { rule: 'required' };
  if (s.length < USERNAME_MIN || s.length > USERNAME_MAX) return { rule: 'length', min: USERNAME_MIN, max: USERNAME_MAX };
  if (!/^[a-z0-9_.-]+$/.test(s)) return { rule: 'usernameChars' };
  return undefined;
}

export function checkDisplayName(raw: string): Problem | undefined {
  return chars(raw.trim()) > DISPLAY_NAME_MAX ? { rule: 'max', max: DISPLAY_NAME_MAX } : undefined;
}

export function checkEmail(raw: string): Problem | undefined {
  const s = raw.trim();
  if (!s) return { rule: 'required' };
  if (s.length > EMAIL_MAX) return { rule: 'max', max: EMAIL_MAX };
  // One '@', no spaces or angle brackets, a dot in the domain: what net/mail
  // accepts as a bare address, less its rare quoted forms.
  if (!/^[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+\.[^\s@<>()",;:\\[\]]+$/.test(s)) return { rule: 'email' };
  return undefined;
}

/** checkNewPassword: the rules of a new password the client can know; personal holds username, name and e-mail. */
export function checkNewPassword(pw: string, personal: string[] = []): Problem | undefined {
  if (!pw) return { rule: 'required' };
  if (chars(pw) < PASSWORD_MIN || new TextEncoder().encode(pw).length > PASSWORD_MAX_BYTES) return { rule: 'passwordShort', min: PASSWORD_MIN };
  if (!pw.trim()) return { rule: 'passwordSpaces' };
  const lower = pw.toLowerCase();
  const names = personal.flatMap((p) => [p, p.split('@')[0]]).map((p) => p.trim().toLowerCase());
  if (names.some((n) => n.length >= PASSWORD_INPUT_MIN && lower.includes(n))) return { rule: 'passwordPersonal' };
  return undefined;
}

export function checkRoomName(raw: string): Problem | undefined {
  const n = chars(raw.trim());
  if (n === 0) return { rule: 'required' };
  if (n > ROOM_NAME_MAX) return { rule: 'max', max: ROOM_NAME_MAX };
  return undefined;
}

export function checkTopic(raw: string): Problem | undefined {
  return chars(raw.trim()) > ROOM_TOPIC_MAX ? { rule: 'max', max: ROOM_TOPIC_MAX } : undefined;
}

export function checkBody(raw: string): Problem | undefined {
  const n = chars(raw.trim());
  if (n === 0) return { rule: 'required' };
  if (n > BODY_MAX) return { rule: 'max', max: BODY_MAX };
  return undefined;
}

export type SignUpField = 'username' | 'display_name' | 'email' | 'password';

/** checkSignUp returns every problem of the form at once. */
export function checkSignUp(f: Record<SignUpField, string>): Problems<SignUpField> {
  return only({
    username: checkUsername(f.username),
    display_name: checkDisplayName(f.display_name),
    email: checkEmail(f.email),
    password: checkNewPassword(f.password, [normalizeUsername(f.username), f.display_name, f.email]),
  });
}

/** checkSignIn only asks for both fields: old accounts may predate today's rules. */
export function checkSignIn(f: { username: string; password: string }): Problems<'username' | 'password'> {
  return only({
    username: f.username.trim() ? undefined : { rule: 'required' },
    password: f.password ? undefined : { rule: 'required' },
  });
}

function only<F extends string>(p: Record<F, Problem | undefined>): Problems<F> {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as Problems<F>;
}
