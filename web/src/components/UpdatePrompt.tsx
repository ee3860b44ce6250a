import { useSyncExternalStore } from 'react';
import { t } from '../lib/strings';
import { onUpdate, updateWaiting } from '../lib/sw';

/** UpdatePrompt offers to reload into a new version of the client once its service worker is installed. */
export function UpdatePrompt() {
  const apply = useSyncExternalStore(onUpdate, updateWaiting);
  if (!apply) return null;
  return (
    <div className="update-prompt" role="status">
      <span>{t.updateReady}</span>
      <button type="button" className="btn small primary" onClick={apply}>
        {t.reload}
      </button>
    </div>
  );
}
