import { useState, type FormEvent, type ReactNode } from 'react';
import { useChat, useStore } from '../app/hooks';
import { errorText } from '../lib/api';
import type { NotifyPref } from '../lib/types';
import { Gear } from './Icons';
import { PageHeader } from './PageHeader';
import { SecuritySettings } from './SecuritySettings';
import { PreferencesCard } from './PreferencesCard';
import { NotificationsCard } from './NotificationsCard';
import { AccountData } from './AccountData';
import { t } from '../lib/strings';

export function SettingsView({ menu, onSignOut }: { menu: ReactNode; onSignOut: () => void }) {
  const store = useStore();
  const me = useChat((s) => s.me);
  const [name, setName] = useState(me.display_name);
  const [pref, setPref] = useState<NotifyPref>(me.email_notifications ?? 'always');
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const prefs: Array<{ value: NotifyPref; label: string; hint: string }> = [
    { value: 'always', label: t.prefAlways, hint: t.prefAlwaysHint },
    { value: 'offline', label: t.prefOffline, hint: t.prefOfflineHint },
    { value: 'never', label: t.prefNever, hint: t.prefNeverHint },
  ];

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setStatus(null);
    try {
      store.setMe(await store.api.updateMe({ display_name: name.trim(), email_notifications: pref }));
      setStatus({ ok: true, text: t.saved });
    } catch (err) {
      setStatus({ ok: false, text: errorText(err, t.couldNotSave) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="main" aria-labelledby="settings-title">
      <PageHeader menu={menu} id="settings-title" icon={<Gear />} title={t.settings} />
      <div className="page-scroll">
        <form className="settings" onSubmit={save}>
          <section className="card">
            <h2>{t.profile}</h2>
            <p className="muted">
              {t.signedInAs} <strong>@{me.username}</strong>
              {me.email ? ` · ${me.email}` : ''}
            </p>
            <label htmlFor="set-name">{t.fieldDisplayName}</label>
            <input id="set-name" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
          </section>
          <fieldset className="card">
            <legend>{t.emailWhenMentioned}</legend>
            {prefs.map((p) => (
              <label key={p.value} className="radio">
                <input type="radio" name="email_notifications" value={p.value} checked={pref === p.value} onChange={() => setPref(p.value)} />
                <span>
                  <strong>{p.label}</strong>
                  <span className="muted"> — {p.hint}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <div className="row">
            <button className="btn primary" type="submit" disabled={busy}>
              {t.saveSettings}
            </button>
            <span role="status" className={status?.ok ? 'ok' : 'form-error'}>
              {status?.text}
            </span>
          </div>
          <section className="card">
            <h2>{t.session}</h2>
            <button type="button" className="btn danger" onClick={onSignOut}>
              {t.signOut}
            </button>
          </section>
        </form>
        <div className="settings">
          <PreferencesCard
            onLocale={(language) => {
              // Best effort: the choice is this browser's at once; the server only words e-mails with it.
              store.api.updateMe({ language }).then((u) => store.setMe(u), () => {});
            }}
          />
          <NotificationsCard />
          <SecuritySettings onSignedOut={onSignOut} />
          <AccountData onDeleted={onSignOut} />
        </div>
      </div>
    </section>
  );
}
