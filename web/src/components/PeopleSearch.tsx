import { useEffect, useId, useState } from 'react';
import { useChat, useStore } from '../app/hooks';
import { t } from '../lib/strings';
import type { UserRef } from '../lib/types';
import { Avatar, displayName } from './Avatar';

/** The search waits this long after the last key, and shows this many people. */
const SEARCH_DEBOUNCE_MS = 200;
const SEARCH_LIMIT = 8;

export interface PeopleAction {
  /** The button text and its accessible name for one person. */
  text: (u: UserRef) => string;
  label: (u: UserRef) => string;
  /** Why the button is off for this person (already chosen, already a member), or ''. */
  disabled: (u: UserRef) => string;
  run: (u: UserRef) => void;
}

/** PeopleSearch finds people by username prefix (GET /users?prefix=) and offers one action each. */
export function PeopleSearch({ action, autoFocus = false }: { action: PeopleAction; autoFocus?: boolean }) {
  const store = useStore();
  const meId = useChat((s) => s.me.id);
  const id = useId();
  const [q, setQ] = useState('');
  const [found, setFound] = useState<UserRef[] | null>(null);
  const [error, setError] = useState(false);

  useEffect(() => {
    const prefix = q.trim().replace(/^@/, '');
    if (!prefix) {
      setFound(null);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      store.api.searchUsers(prefix.toLowerCase(), SEARCH_LIMIT + 1).then(
        (us) => {
          if (!live) return;
          setError(false);
          setFound(us.filter((u) => u.id !== meId).slice(0, SEARCH_LIMIT));
        },
        () => live && setError(true),
      );
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q, store, meId]);

  return (
    <div className="people-search">
      <label htmlFor={id + 'q'}>{t.searchPeople}</label>
      <input id={id + 'q'} type="search" value={q} onChange={(e) => setQ(e.target.value)} autoComplete="off" spellCheck={false} autoFocus={autoFocus} />
      {error && <p className="form-error" role="alert">{t.couldNotLoad}</p>}
      {found && (
        <ul className="people" aria-label={t.searchPeople} aria-live="polite">
          {found.map((u) => {
            const why = action.disabled(u);
            return (
              <li key={u.id} className="person">
                <Avatar user={u} size={28} />
                <span className="person-names">
                  <strong>{displayName(u)}</strong> <span className="muted">@{u.username}</span>
                </span>
                <button type="button" className="btn small" disabled={!!why} title={why || undefined} aria-label={why ? `${action.label(u)} (${why})` : action.label(u)} onClick={() => action.run(u)}>
                  {why || action.text(u)}
                </button>
              </li>
            );
          })}
          {found.length === 0 && <li className="muted">{t.noPeople}</li>}
        </ul>
      )}
    </div>
  );
}
