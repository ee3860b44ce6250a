import { useState, useSyncExternalStore, type DragEvent } from 'react';
import { useStore } from '../app/hooks';
import { t } from '../lib/strings';
import { formatSize } from '../lib/uploads';
import { Close } from './Icons';
import './files-search.css';

/** useAttaching: the files chosen for a room's next message, live. */
export function useAttaching(roomId: string) {
  const book = useStore().uploads;
  return useSyncExternalStore(book.subscribe, () => book.list(roomId));
}

/** AttachmentTray lists the composer's files: each with its progress bar (or error) and a button to cancel or remove it. */
export function AttachmentTray({ roomId }: { roomId: string }) {
  const book = useStore().uploads;
  const list = useAttaching(roomId);
  const notice = useSyncExternalStore(book.subscribe, () => book.notice[roomId] ?? '');
  if (list.length === 0 && !notice) return null;
  return (
    <>
      <ul className="attach-tray" aria-label={t.attachments}>
        {list.map((a) => {
          const pct = Math.round(a.progress * 100);
          return (
            <li key={a.key} className="attach-item" data-state={a.state}>
              <span className="name">
                {a.name} <span className="muted small">{formatSize(a.size)}</span>
              </span>
              <button type="button" className="icon-btn" aria-label={a.state === 'uploading' ? t.cancelUpload(a.name) : t.removeAttachment(a.name)} onClick={() => book.remove(roomId, a.key)}>
                <Close />
              </button>
              {a.state === 'uploading' && <progress max={100} value={pct} aria-label={t.uploadProgress(a.name, pct)} />}
              {a.state === 'done' && <span className="sr-only" role="status">{t.uploaded(a.name)}</span>}
              {a.error && (
                <p className="form-error" role="alert">
                  {a.error}
                </p>
              )}
            </li>
          );
        })}
      </ul>
      {notice && (
        <p className="form-error attach-notice" role="alert">
          {notice}
        </p>
      )}
    </>
  );
}

/** useFileDrop makes an element a drop target for files (when enabled): they attach to the room's next message. */
export function useFileDrop(roomId: string, enabled: boolean) {
  const book = useStore().uploads;
  const [over, setOver] = useState(false);
  const hasFiles = (e: DragEvent) => enabled && Array.from(e.dataTransfer?.types ?? []).includes('Files');
  const props = {
    onDragOver: (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
      if (!over) setOver(true);
    },
    onDragLeave: (e: DragEvent) => {
      if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
    },
    onDrop: (e: DragEvent) => {
      setOver(false);
      if (!hasFiles(e)) return;
      e.preventDefault();
      book.add(roomId, Array.from(e.dataTransfer.files));
    },
  };
  return { props, over };
}

/** DropHint covers the room while files are dragged over it. */
export function DropHint() {
  return (
    <div className="drop-hint" aria-hidden="true">
      {t.dropFiles}
    </div>
  );
}
