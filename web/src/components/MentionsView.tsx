import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { useChat, useStore } from '../app/hooks';
import { navigate, roomPath } from '../app/router';
import { jumpTarget } from '../lib/search';
import { formatDateTime, t } from '../lib/strings';
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
      <PageHeader menu={menu} id="mentions-title" icon={<At />} title={t.mentions} subtitle={t.mentionsSubtitle(me)} />
      <div className="page-scroll">
        <ul className="mention-list">
          {items.map((m) => {
            const d = new Date(m.message.created_at);
            const to = jumpTarget(m.room.id, m.message);
            const href = roomPath(to.roomId, to.seq);
            return (
              <li key={m.id} className="mention-card">
                <Avatar user={m.message.author} />
                <div>
                  <div className="group-head">
                    <strong>{displayName(m.message.author)}</strong>
                    {/* The card is not one big link: the body may hold links of its own. */}
                    <a href={href} onClick={(e) => (e.preventDefault(), navigate(href), to.thread !== undefined && store.openThread(to.roomId, to.thread))}>
                      {t.inRoom(m.room.name)}
                    </a>
                    <time className="muted" dateTime={d.toISOString()}>
                      {formatDateTime(d)}
                    </time>
                  </div>
                  <MessageBody body={m.message.body} me={me} />
                </div>
              </li>
            );
          })}
        </ul>
        {state === 'idle' && items.length === 0 && <p className="muted pad center">{t.noMentions}</p>}
        {state === 'error' && <p className="form-error pad" role="alert">{t.couldNotLoadMentions}</p>}
        {state === 'loading' && <p className="muted pad center">{t.loading}</p>}
        {more && state === 'idle' && (
          <div className="center pad">
            <button className="btn" onClick={() => void load(items[items.length - 1]?.id)}>{t.loadMore}</button>
          </div>
        )}
      </div>
    </section>
  );
}
