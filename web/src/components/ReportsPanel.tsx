import { useCallback, useEffect, useState } from 'react';
import { useStore } from '../app/hooks';
import { roomPath } from '../app/router';
import { errorText } from '../lib/api';
import { formatDateTime, t } from '../lib/strings';
import type { Report } from '../lib/types';

/** ReportsPanel is the moderation queue: open reports the server shows this user. */
export function ReportsPanel() {
  const store = useStore();
  const [reports, setReports] = useState<Report[]>([]);
  const [next, setNext] = useState('');
  const [notes, setNotes] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState('');
  const load = useCallback(
    async (cursor = '') => {
      try {
        const r = await store.api.reports('open', cursor);
        setReports((cur) => (cursor ? [...cur, ...r.reports] : r.reports));
        setNext(r.next_cursor);
      } catch (e) {
        setNotice(errorText(e, t.couldNotDoIt));
      }
    },
    [store],
  );
  useEffect(() => {
    void load();
  }, [load]);
  const close = async (r: Report, status: 'resolved' | 'dismissed') => {
    try {
      await store.api.resolveReport(r.id, status, (notes[r.id] ?? '').trim());
      setNotice('');
      await load();
    } catch (e) {
      setNotice(errorText(e, t.couldNotDoIt));
    }
  };
  return (
    <>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {reports.length === 0 && <p className="muted">{t.noReports}</p>}
      <ul className="admin-list reports">
        {reports.map((r) => (
          <li key={r.id} className="admin-row report">
            <div>
              <div className="muted small">
                {t.reportedBy(r.reporter.username, r.room.name)} · {formatDateTime(new Date(r.created_at))}
              </div>
              <blockquote>
                <strong>{r.message.author.display_name}</strong>: {r.message.deleted ? <em>{t.messageDeleted}</em> : r.message.body}
              </blockquote>
              <div>
                {t.reason}: {r.reason}
              </div>
              <a href={roomPath(r.room.id, r.seq)}>{t.open}</a>
            </div>
            <div className="actions">
              <label htmlFor={'note-' + r.id} className="sr-only">{t.actionTaken}</label>
              <input id={'note-' + r.id} className="input" maxLength={64} placeholder={t.actionTaken} value={notes[r.id] ?? ''} onChange={(e) => setNotes({ ...notes, [r.id]: e.target.value })} />
              <button type="button" className="btn primary" onClick={() => close(r, 'resolved')}>
                {t.resolve}
              </button>
              <button type="button" className="btn" onClick={() => close(r, 'dismissed')}>
                {t.dismiss}
              </button>
            </div>
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" className="btn" onClick={() => load(next)}>
          {t.loadMore}
        </button>
      )}
    </>
  );
}
