import { useState, type FormEvent } from 'react';
import { Api, ApiError } from '../lib/api';
import type { User } from '../lib/types';
import { Logo } from './Icons';

type Mode = 'signin' | 'signup';

export function AuthScreen({ api, onSignedIn }: { api: Api; onSignedIn: (u: User) => void }) {
  const [mode, setMode] = useState<Mode>('signin');
  const [form, setForm] = useState({ username: '', email: '', password: '', display_name: '' });
  const [error, setError] = useState<{ message: string; field?: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const field = (k: keyof typeof form) => ({
    id: 'auth-' + k,
    name: k,
    value: form[k],
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value }),
    'aria-invalid': error?.field === k ? true : undefined,
    'aria-describedby': error?.field === k ? 'auth-error' : undefined,
  });

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === 'signup') {
        await api.signUp({
          username: form.username.trim(),
          email: form.email.trim(),
          password: form.password,
          ...(form.display_name.trim() ? { display_name: form.display_name.trim() } : {}),
        });
      }
      onSignedIn(await api.signIn(form.username.trim(), form.password));
    } catch (err) {
      if (err instanceof ApiError) setError({ message: err.message, field: err.field });
      else setError({ message: 'Something went wrong.' });
    } finally {
      setBusy(false);
    }
  }

  const signup = mode === 'signup';
  return (
    <main className="auth">
      <div className="auth-card">
        <div className="auth-brand">
          <Logo />
          <h1>OpenChat</h1>
        </div>
        <p className="muted">{signup ? 'Create your account to start chatting.' : 'Welcome back. Sign in to continue.'}</p>
        <div className="tabs" role="tablist" aria-label="Account">
          <button role="tab" type="button" aria-selected={!signup} className="tab" onClick={() => (setMode('signin'), setError(null))}>
            Sign in
          </button>
          <button role="tab" type="button" aria-selected={signup} className="tab" onClick={() => (setMode('signup'), setError(null))}>
            Create account
          </button>
        </div>
        <form onSubmit={submit} noValidate aria-label={signup ? 'Create account' : 'Sign in'}>
          <label htmlFor="auth-username">Username</label>
          <input {...field('username')} autoComplete="username" autoCapitalize="none" spellCheck={false} required autoFocus />
          {signup && (
            <>
              <label htmlFor="auth-display_name">
                Display name <span className="muted">(optional)</span>
              </label>
              <input {...field('display_name')} autoComplete="name" />
              <label htmlFor="auth-email">E-mail</label>
              <input {...field('email')} type="email" autoComplete="email" required />
            </>
          )}
          <label htmlFor="auth-password">Password</label>
          <input {...field('password')} type="password" autoComplete={signup ? 'new-password' : 'current-password'} required />
          {signup && (
            <p className="hint">
              Password: at least 10 characters and hard to guess (not your name or e-mail; a few unrelated words work well). Usernames use
              a–z, 0–9, “_”, “.” and “-”. We will e-mail you a link to confirm your address.
            </p>
          )}
          {error && (
            <p id="auth-error" className="form-error" role="alert">
              {error.message}
            </p>
          )}
          <button className="btn primary wide" type="submit" disabled={busy}>
            {busy ? 'Please wait…' : signup ? 'Create account' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}
