import { t } from '../lib/strings';
import { Close } from './Icons';

/**
 * UnreadBar sits at the top of the message list while the first unread
 * message is above the view (Slack's "new messages" bar). Both buttons are
 * in the tab order before the list; Escape on the bar dismisses it.
 */
export function UnreadBar({ onJump, onDismiss }: { onJump: () => void; onDismiss: () => void }) {
  return (
    <div className="unread-bar" role="region" aria-label={t.unreadAbove} onKeyDown={(e) => e.key === 'Escape' && onDismiss()}>
      <button type="button" className="unread-bar-jump" onClick={onJump}>
        <span aria-hidden="true">↑</span> {t.jumpToUnread}
      </button>
      <button type="button" className="icon-btn small" aria-label={t.dismissUnread} title={t.dismissUnread} onClick={onDismiss}>
        <Close />
      </button>
    </div>
  );
}
