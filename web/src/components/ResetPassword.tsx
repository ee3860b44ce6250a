import { useState, type FormEvent } from 'react';
import { navigate } from '../app/router';
import { Api, errorText } from '../lib/api';
import { t } from '../lib/strings';
import { FormField } from './FormField';
import { Logo } from './Icons';

/** ForgotPassword asks for the address to send a reset link to (the server answers the same for any). */
export function ForgotPassword({ api, onBack }: { api: Api; onBack: () => void }) {
  const [email, setEmail] = useState('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.requestPasswordReset(email.trim());
      setDone(true);
      setError('');
    } catch (err) {
      setError(errorText(err, t.somethingWrong));
    }
  };
  return (
    <form onSubmit={submit} aria-label={t.forgotPassword} noValidate>
      <p className="muted">{t.forgotIntro}</p>
      <FormField id="forgot-email" name="email" label={t.fieldEmail} type="email" autoComplete="email" required autoFocus value={email} error={error || undefined} onChange={(e) => setEmail(e.target.value)} />
      {done && (
        <p className="notice" role="status">
          {t.resetRequested}
        </p>
      )}
      <button className="btn primary wide" type="submit">
        {t.sendLink}
      </button>
      <button className="link-btn" type="button" onClick={onBack}>
        {t.backToSignIn}
      </button>
    </form>
  );
}

/** ResetPassword is the page a reset e-mail links to: a new password for the token. */
export function ResetPassword({ api, token }: { api: Api; token: string }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [done, setDone] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.confirmPasswordReset(token, password);
      setDone(true);
    } catch (err) {
      setError(errorText(err, t.somethingWrong));
    }
  };
  const toSignIn = () => navigate('/', true);
  return (
    <main className="auth">
      <div className="auth-card">
        <div className="auth-brand">
          <Logo />
          <h1>{t.resetTitle}</h1>
        </div>
        {done ? (
          <>
            <p role="status">{t.resetDone}</p>
            <button className="btn primary wide" type="button" onClick={toSignIn}>
              {t.backToSignIn}
            </button>
          </>
        ) : (
          <form onSubmit={submit} aria-label={t.resetTitle} noValidate>
            <FormField id="reset-password" name="new_password" label={t.newPassword} type="password" autoComplete="new-password" required autoFocus hint={t.passwordHint} value={password} error={error || undefined} onChange={(e) => setPassword(e.target.value)} />
            <button className="btn primary wide" type="submit">
              {t.resetTitle}
            </button>
          </form>
        )}
      </div>
    </main>
  );
}
