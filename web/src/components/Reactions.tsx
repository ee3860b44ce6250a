import { useStore } from '../app/hooks';
import { emojiGlyph } from '../lib/emoji';
import { t } from '../lib/strings';
import type { Reaction } from '../lib/types';

/** Reactions shows a message's emoji as chips; mine are highlighted, a click toggles mine. */
export function Reactions({ roomId, seq, reactions, onError }: { roomId: string; seq: number; reactions: Reaction[]; onError: (msg: string) => void }) {
  const store = useStore();
  if (reactions.length === 0) return null;
  return (
    <ul className="reactions">
      {reactions.map((r) => {
        const glyph = emojiGlyph(r.emoji);
        return (
          <li key={r.emoji}>
            <button
              type="button"
              className={'reaction' + (r.me ? ' mine' : '')}
              aria-pressed={!!r.me}
              aria-label={(r.me ? t.reactionChipMine : t.reactionChip)(glyph, r.count)}
              data-emoji={r.emoji}
              onClick={() => store.react(roomId, seq, r.emoji, !r.me).catch(() => onError(t.couldNotReact))}
            >
              <span aria-hidden="true">{glyph}</span> <span className="count">{r.count}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
