import { counterState } from '../lib/counter';
import { t } from '../lib/strings';

/** CharCounter shows the characters left at all times; the words are for screen readers, the number for the eye. */
export function CharCounter({ id, count, max }: { id: string; count: number; max: number }) {
  const c = counterState(count, max);
  const words = c.left < 0 ? t.charsOver(-c.left) : t.charsLeft(c.left);
  return (
    <span id={id} className={'counter ' + c.level} title={words} aria-live={c.live} aria-atomic="true">
      <span aria-hidden="true">{c.left}</span>
      <span className="sr-only">{words}</span>
    </span>
  );
}
