import { useEffect, useRef } from 'react';
import { useStore } from '../app/hooks';
import { COMMON_EMOJI, recentEmoji } from '../lib/emoji';
import { t } from '../lib/strings';

/** EmojiPicker offers recently used and common emoji; Escape or a click outside closes it. */
export function EmojiPicker({ onPick, onClose }: { onPick: (emoji: string) => void; onClose: () => void }) {
  const store = useStore();
  const ref = useRef<HTMLDivElement>(null);
  const recent = recentEmoji(localStorage);
  const common = COMMON_EMOJI.filter((e) => !recent.includes(e));

  // Focus goes back where it was (the button that opened the picker) when it closes.
  useEffect(() => {
    const back = document.activeElement as HTMLElement | null;
    ref.current?.querySelector('button')?.focus();
    return () => {
      if (back?.isConnected && (document.activeElement === document.body || document.activeElement === null)) back.focus({ preventScroll: true });
    };
  }, []);

  useEffect(() => {
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !ref.current?.contains(e.target as Node)) onClose();
    };
    window.addEventListener('mousedown', close);
    window.addEventListener('keydown', close);
    return () => {
      window.removeEventListener('mousedown', close);
      window.removeEventListener('keydown', close);
    };
  }, [onClose, store]);

  const group = (title: string, list: string[]) =>
    list.length > 0 && (
      <div role="group" aria-label={title}>
        <h2>{title}</h2>
        <div className="emoji-grid">
          {list.map((e) => (
            <button key={e} type="button" className="emoji-btn" aria-label={e} onClick={() => onPick(e)}>
              {e}
            </button>
          ))}
        </div>
      </div>
    );

  return (
    <div ref={ref} className="popover emoji-picker" role="dialog" aria-label={t.pickEmoji}>
      {group(t.recentEmoji, recent)}
      {group(t.commonEmoji, common)}
    </div>
  );
}
