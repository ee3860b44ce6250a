import { useState, type ReactNode } from 'react';
import { useStore } from '../app/hooks';
import { navigate, roomPath } from '../app/router';
import { errorText } from '../lib/api';
import { DM_MAX_OTHERS } from '../lib/rooms';
import { t } from '../lib/strings';
import type { UserRef } from '../lib/types';
import { Avatar, displayName } from './Avatar';
import { Chat, Close } from './Icons';
import { PeopleSearch } from './PeopleSearch';
import { PageHeader } from './PageHeader';

/** NewDMView picks up to DM_MAX_OTHERS people and opens the direct room with them. */
export function NewDMView({ menu }: { menu: ReactNode }) {
  const store = useStore();
  const [picked, setPicked] = useState<UserRef[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const full = picked.length >= DM_MAX_OTHERS;

  async function start() {
    setBusy(true);
    setError('');
    try {
      const room = await store.openDM(picked.map((u) => u.id));
      navigate(roomPath(room.id));
    } catch (e) {
      setError(errorText(e, t.couldNotLoad));
      setBusy(false);
    }
  }

  return (
    <section className="main" aria-labelledby="new-dm-title">
      <PageHeader menu={menu} id="new-dm-title" icon={<Chat />} title={t.newDirectMessage} subtitle={t.dmHint(DM_MAX_OTHERS)} />
      <div className="page-scroll">
        <div className="narrow">
          {picked.length > 0 && (
            <section className="card" aria-labelledby="dm-picked">
              <h2 id="dm-picked">{t.selected}</h2>
              <ul className="chips">
                {picked.map((u) => (
                  <li key={u.id}>
                    <button type="button" className="chip" aria-label={t.unselect(displayName(u))} onClick={() => setPicked(picked.filter((p) => p.id !== u.id))}>
                      <Avatar user={u} size={20} />
                      <span>{displayName(u)}</span>
                      <Close />
                    </button>
                  </li>
                ))}
              </ul>
              {full && <p className="hint">{t.dmLimit(DM_MAX_OTHERS)}</p>}
              {error && <p className="form-error" role="alert">{error}</p>}
              <div className="row">
                <button type="button" className="btn primary" disabled={busy} onClick={() => void start()}>
                  {t.startConversation}
                </button>
              </div>
            </section>
          )}
          <section className="card">
            <PeopleSearch
              autoFocus
              action={{
                text: () => t.add,
                label: (u) => t.select(displayName(u)),
                disabled: (u) => (picked.some((p) => p.id === u.id) ? t.selected : full ? t.limitReached : ''),
                run: (u) => setPicked([...picked, u]),
              }}
            />
          </section>
        </div>
      </div>
    </section>
  );
}
