import { useRef, useState, type FormEvent } from 'react';
import { Api, ApiError } from '../lib/api';
import { locale, problemText, t } from '../lib/strings';
import type { User } from '../lib/types';
import { checkSignIn, checkSignUp, normalizeUsername, type SignUpField } from '../lib/validate';
import { FormField } from './FormField';
import { Logo } from './Icons';
import { ForgotPassword } from './ResetPassword';

type Mode = 'signin' | 'signup' | 'forgot';
type Errors = Partial<Record<SignUpField, string>>;
const ORDER: SignUpField[] = ['username', 'display_name', 'email', 'password'];

export function AuthScreen({ api, onSignedIn }: { api: Api; onSignedIn: (u: User) => void }) {
  const [mode, setMode] = useState<Mode>('signin');
  const [form, setForm] = useState<Record<SignUpField, string>>({ username: '', email: '', password: '', display_name: '' });
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const signup = mode === 'signup';
  const label: Record<SignUpField, string> = { username: t.fieldUsername, display_name: t.fieldDisplayName, email: t.fieldEmail, password: t.fieldPassword };

  const field = (k: SignUpField) => ({
    id: 'auth-' + k,
    name: k,
    value: form[k],
    error: errors[k],
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value }),
  });

  /** show puts every error next to its field and moves focus to the first. */
  function show(errs: Errors, message = '') {
    setErrors(errs);
    setFormError(message);
    const first = ORDER.find((k) => errs[k]);
    if (first) requestAnimationFrame(() => formRef.current?.querySelector<HTMLInputElement>('#auth-' + first)?.focus());
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    // Checked here first: a refused attempt still counts against the rate limit.
    const problems = signup ? checkSignUp(form) : checkSignIn(form);
    const errs: Errors = {};
    for (const [k, p] of Object.entries(problems)) errs[k as SignUpField] = problemText(label[k as SignUpField], p);
    if (Object.keys(errs).length) return show(errs, t.fixFields(Object.keys(errs).length));
    setBusy(true);
    show({});
    try {
      const username = normalizeUsername(form.username);
      if (signup) {
        const name = form.display_name.trim();
        // E-mails to the new account come in the language it signs up in.
        await api.signUp({ username, email: form.email.trim(), password: form.password, language: locale, ...(name ? { display_name: name } : {}) });
      }
      onSignedIn(await api.signIn(username, form.password));
    } catch (err) {
      const f = err instanceof ApiError ? (err.field as SignUpField | undefined) : undefined;
      if (f && f in label) show({ [f]: t.serverField(label[f], err instanceof Error ? err.message : '') });
      else show({}, err instanceof ApiError ? err.message : t.somethingWrong);
    } finally {
      setBusy(false);
    }
  }

  const switchTo = (m: Mode) => {
    setMode(m);
    show({});
  };
  return (
    <main className="auth">
      <div className="auth-card">
        <div className="auth-brand">
          <Logo />
          <h1>OpenChat</h1>
        </div>
        <p className="muted">{signup ? t.signUpIntro : t.signInIntro}</p>
        <div className="tabs" role="tablist" aria-label={t.account}>
          <button role="tab" type="button" aria-selected={mode === 'signin'} className="tab" onClick={() => switchTo('signin')}>
            {t.signIn}
          </button>
          <button role="tab" type="button" aria-selected={signup} className="tab" onClick={() => switchTo('signup')}>
            {t.createAccount}
          </button>
        </div>
        {mode === 'forgot' ? (
          <ForgotPassword api={api} onBack={() => switchTo('signin')} />
        ) : (
        <form ref={formRef} onSubmit={submit} noValidate aria-label={signup ? t.createAccount : t.signIn}>
          <FormField {...field('username')} label={t.fieldUsername} autoComplete="username" autoCapitalize="none" spellCheck={false} required autoFocus hint={signup ? t.usernameHint : undefined} />
          {signup && (
            <>
              <FormField
                {...field('display_name')}
                label={
                  <>
                    {t.fieldDisplayName} <span className="muted">{t.optional}</span>
                  </>
                }
                autoComplete="name"
              />
              <FormField {...field('email')} label={t.fieldEmail} type="email" autoComplete="email" required hint={t.emailHint} />
            </>
          )}
          <FormField {...field('password')} label={t.fieldPassword} type="password" autoComplete={signup ? 'new-password' : 'current-password'} required hint={signup ? t.passwordHint : undefined} />
          {formError && (
            <p className="form-error" role="alert">
              {formError}
            </p>
          )}
          <button className="btn primary wide" type="submit" disabled={busy}>
            {busy ? t.pleaseWait : signup ? t.createAccount : t.signIn}
          </button>
          {!signup && (
            <button className="link-btn" type="button" onClick={() => switchTo('forgot')}>
              {t.forgotPassword}
            </button>
          )}
        </form>
        )}
      </div>
    </main>
  );
}
