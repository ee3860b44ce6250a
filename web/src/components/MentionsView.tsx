import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { useChat, useStore } from '../app/hooks';
import { navigate, roomPath } from '../app/router';
import { timeLabel, dayLabel } from '../lib/group';
import type { Mention } from '../lib/types';
import { Avatar, displayName } from './Avatar';
import { At } from './Icons';
import { MessageBody } from './MessageBody';
import { PageHeader } from './PageHeader';

export function MentionsView({ menu }: { menu: ReactNode }) {
  const store = useStore();
  const me = useChat((s) => s.me.username);
  const [items, setItems] = useState<Mention[]>([]);
  const [more, setMore] = useState(false);
  const [state, setState] = useState<'loading' | 'idle' | 'error'>('loading');

  const load = useCallback(
    async (before?: number) => {
      setState('loading');
      try {
        const r = await store.api.mentions(before);
        setItems((cur) => (before ? [...cur, ...r.mentions] : r.mentions));
        setMore(r.has_more);
        setState('idle');
      } catch {
        setState('error');
      }
    },
    [store],
  );
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section className="main" aria-labelledby="mentions-title">
      <PageHeader menu={menu} id="mentions-title" icon={<At />} title="Mentions" subtitle={`Messages that mention @${me}`} />
      <div className="page-scroll">
        <ul className="mention-list">
          {items.map((m) => {
            const d = new Date(m.message.created_at);
            const href = roomPath(m.room.id, m.message.seq);
            return (
              <li key={m.id} className="mention-card">
                <Avatar user={m.message.author} />
                <div>
                  <div className="group-head">
                    <strong>{displayName(m.message.author)}</strong>
                    {/* The card is not one big link: the body may hold links of its own. */}
                    <a href={href} onClick={(e) => (e.preventDefault(), navigate(href))}>
                      in #{m.room.name}
                    </a>
                    <time className="muted" dateTime={d.toISOString()}>
                      {dayLabel(d)}, {timeLabel(d)}
                    </time>
                  </div>
                  <MessageBody body={m.message.body} me={me} />
                </div>
              </li>
            );
          })}
        </ul>
        {state === 'idle' && items.length === 0 && <p className="muted pad center">Nobody has mentioned you yet.</p>}
        {state === 'error' && <p className="form-error pad" role="alert">Could not load mentions.</p>}
        {state === 'loading' && <p className="muted pad center">Loading…</p>}
        {more && state === 'idle' && (
          <div className="center pad">
            <button className="btn" onClick={() => void load(items[items.length - 1]?.id)}>Load more</button>
          </div>
        )}
      </div>
    </section>
  );
}
