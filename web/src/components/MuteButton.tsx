import { useChat, useStore } from '../app/hooks';
import { t } from '../lib/strings';
import { Bell, BellOff } from './Icons';

/** MuteButton toggles this room's desktop notifications (kept in this browser). */
export function MuteButton({ roomId }: { roomId: string }) {
  const store = useStore();
  const muted = useChat((s) => s.muted.has(roomId));
  const label = muted ? t.unmuteRoom : t.muteRoom;
  return (
    <button type="button" className={'icon-btn' + (muted ? ' muted-on' : '')} aria-pressed={muted} aria-label={t.muteRoom} title={label} onClick={() => store.setMuted(roomId, !muted)}>
      {muted ? <BellOff /> : <Bell />}
    </button>
  );
}
