import { useChat, useStore } from '../app/hooks';
import { t } from '../lib/strings';
import type { PendingMessage } from '../lib/types';

/**
 * PendingStatus says what became of a message not yet confirmed: sending,
 * waiting for the connection, or refused, with a retry and discard choice
 * when it is stuck.
 */
export function PendingStatus({ roomId, p }: { roomId: string; p: PendingMessage }) {
  const store = useStore();
  const online = useChat((s) => s.conn === 'online');
  const discard = (
    <button type="button" className="link-btn" onClick={() => store.discard(roomId, p.client_id)}>
      {t.discard}
    </button>
  );
  if (p.failed)
    return (
      <span className="status error">
        {t.notSent(p.failed)}{' '}
        <button type="button" className="link-btn" onClick={() => store.retry(roomId, p.client_id)}>
          {t.retry}
        </button>{' '}
        {discard}
      </span>
    );
  if (!online)
    return (
      <span className="status muted">
        {t.waitingForConnection} {discard}
      </span>
    );
  return <span className="status muted">{t.sending}</span>;
}
