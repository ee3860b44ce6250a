import type { InputHTMLAttributes, ReactNode } from 'react';

/**
 * FormField is a label, its input and, right under it, the error naming the
 * field; the input points at the error (aria-describedby) and is marked
 * invalid, so a screen reader reads both together.
 */
export function FormField({ id, label, error, hint, ...input }: { id: string; label: ReactNode; error?: string; hint?: ReactNode } & InputHTMLAttributes<HTMLInputElement>) {
  const described = [error ? id + '-error' : '', hint ? id + '-hint' : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={described || undefined} {...input} />
      {hint && (
        <p id={id + '-hint'} className="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={id + '-error'} className="form-error field-error">
          {error}
        </p>
      )}
    </div>
  );
}
