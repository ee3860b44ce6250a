import { useState } from 'react';
import { notifyWanted, setNotifyWanted } from '../lib/prefs';
import { t } from '../lib/strings';

type Perm = NotificationPermission | 'unsupported';
const permission = (): Perm => (typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);

/**
 * NotificationsCard turns desktop notifications on for this browser. The
 * browser's permission is asked only here, on the person's click, never on
 * load (browsers penalise sites that ask unprompted).
 */
export function NotificationsCard() {
  const [perm, setPerm] = useState<Perm>(permission);
  const [wanted, setWanted] = useState(() => notifyWanted(localStorage));
  const on = wanted && perm === 'granted';

  async function enable() {
    const p = perm === 'granted' ? 'granted' : await Notification.requestPermission();
    setPerm(p);
    if (p === 'granted') {
      setNotifyWanted(localStorage, true);
      setWanted(true);
    }
  }
  function disable() {
    setNotifyWanted(localStorage, false);
    setWanted(false);
  }

  return (
    <section className="card" aria-labelledby="notify-title">
      <h2 id="notify-title">{t.notificationsTitle}</h2>
      <p className="muted small">{t.notificationsHint}</p>
      <p role="status" className="small">
        {perm === 'unsupported' ? t.notificationsUnsupported : perm === 'denied' ? t.notificationsDenied : on ? t.notificationsOn : ''}
      </p>
      {perm !== 'unsupported' && perm !== 'denied' && (
        <div className="row">
          {on ? (
            <button type="button" className="btn" onClick={disable}>
              {t.disableNotifications}
            </button>
          ) : (
            <button type="button" className="btn primary" onClick={() => void enable()}>
              {t.enableNotifications}
            </button>
          )}
        </div>
      )}
    </section>
  );
}
