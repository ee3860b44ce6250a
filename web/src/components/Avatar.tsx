import { avatarColor } from '../lib/avatar';
import type { UserRef } from '../lib/types';

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
    <span className="avatar" style={{ background: avatarColor(user.id) }} data-size={size} aria-hidden="true">
      {initials || '?'}
    </span>
  );
}
