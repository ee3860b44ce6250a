import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useChat, useStore } from '../app/hooks';
import { navigate, roomPath } from '../app/router';
import { errorText } from '../lib/api';
import { t } from '../lib/strings';
import type { Room } from '../lib/types';
import { Compass, Hash } from './Icons';
import { PageHeader } from './PageHeader';

/** The directory is searched this long after the last key, a page at a time. */
const SEARCH_DEBOUNCE_MS = 250;
const PAGE = 50;

/** BrowseView lists the public rooms (GET /rooms), searchable by name, to open or join. */
export function BrowseView({ menu }: { menu: ReactNode }) {
  const store = useStore();
  const mine = useChat((s) => s.rooms);
  const [q, setQ] = useState('');
  const [rooms, setRooms] = useState<Room[]>([]);
  const [cursor, setCursor] = useState('');
  const [state, setState] = useState<'loading' | 'idle' | 'error'>('loading');
  const [joining, setJoining] = useState('');
  const [error, setError] = useState('');
  const search = useRef(0); // a page answers only the search it was asked for

  const load = useCallback(
    async (query: string, after: string, live: () => boolean) => {
      setState('loading');
      try {
        const page = await store.api.directory({ q: query, cursor: after, limit: PAGE });
        if (!live()) return;
        setRooms((cur) => (after ? [...cur, ...page.rooms] : page.rooms));
        setCursor(page.next_cursor);
        setState('idle');
      } catch {
        if (live()) setState('error');
      }
    },
    [store],
  );

  const live = (n: number) => () => search.current === n;
  useEffect(() => {
    const n = ++search.current;
    const timer = setTimeout(() => void load(q.trim(), '', live(n)), q ? SEARCH_DEBOUNCE_MS : 0);
    return () => clearTimeout(timer);
  }, [q, load]);

  async function join(r: Room) {
    setJoining(r.id);
    setError('');
    try {
      await store.joinRoom(r);
      navigate(roomPath(r.id));
    } catch (e) {
      setError(errorText(e, t.couldNotLoad));
    } finally {
      setJoining('');
    }
  }

  const member = new Set(mine.map((r) => r.id));
  return (
    <section className="main" aria-labelledby="browse-title">
      <PageHeader menu={menu} id="browse-title" icon={<Compass />} title={t.browseTitle} subtitle={t.browseSubtitle} />
      <div className="page-scroll">
        <div className="narrow">
          <label htmlFor="browse-q">{t.searchRooms}</label>
          <input id="browse-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} autoComplete="off" />
          {error && <p className="form-error" role="alert">{error}</p>}
          <ul className="directory" aria-label={t.browseTitle} aria-busy={state === 'loading'}>
            {rooms.map((r) => (
              <li key={r.id} className="directory-item">
                <Hash />
                <div className="directory-names">
                  <a href={roomPath(r.id)} onClick={(e) => (e.preventDefault(), navigate(roomPath(r.id)))}>
                    {r.name}
                  </a>
                  {r.topic && <span className="muted">{r.topic}</span>}
                </div>
                {member.has(r.id) ? (
                  <button className="btn small" aria-label={t.openRoom(r.name)} onClick={() => navigate(roomPath(r.id))}>
                    {t.open}
                  </button>
                ) : (
                  <button className="btn small primary" aria-label={t.joinRoom(r.name)} disabled={joining === r.id} onClick={() => void join(r)}>
                    {t.join}
                  </button>
                )}
              </li>
            ))}
          </ul>
          {state === 'idle' && rooms.length === 0 && <p className="muted pad center">{t.noPublicRooms}</p>}
          {state === 'error' && <p className="form-error pad" role="alert">{t.couldNotLoad}</p>}
          {state === 'loading' && <p className="muted pad center">{t.loading}</p>}
          {cursor && state === 'idle' && (
            <div className="center pad">
              <button className="btn" onClick={() => void load(q.trim(), cursor, live(search.current))}>
                {t.loadMore}
              </button>
            </div>
          )}
        </div>
      </div>
    </section>
  );
}
