import type { UserRef } from '../lib/types';

/** A stable hue per user, so people are recognisable at a glance. */
export function hue(id: string): number {
  let h = 0x811c9dc5; // FNV-1a: ids that share a prefix (UUIDv7 time) still spread
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h % 360;
}

export function displayName(u: UserRef): string {
  return u.display_name || u.username;
}

export function Avatar({ user, size = 36 }: { user: UserRef; size?: number }) {
  const name = displayName(user);
  const initials = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => Array.from(w)[0]?.toUpperCase())
    .join('');
  return (
    <span className={'avatar h' + Math.floor(hue(user.id) / 30)} data-size={size} aria-hidden="true">
      {initials || '?'}
    </span>
  );
}
