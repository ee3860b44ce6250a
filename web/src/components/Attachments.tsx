import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useStore } from '../app/hooks';
import { t } from '../lib/strings';
import { fileUrl, formatSize, hasPreview } from '../lib/uploads';
import type { Upload } from '../lib/types';
import { Close } from './Icons';
import { Download, FileIcon, Next, Prev } from './FileIcons';
import './files-search.css';

/** Attachments shows a message's files: images as previews (opening a lightbox), the rest as cards. */
export function Attachments({ items }: { items: Upload[] }) {
  const base = useStore().api.uploadTarget().base;
  const [open, setOpen] = useState<number | null>(null);
  const images = items.filter(hasPreview);
  const files = items.filter((u) => !hasPreview(u));
  return (
    <div className="attachments" role="group" aria-label={t.attachments}>
      {images.map((u, i) => (
        <button key={u.id} type="button" className="attach-thumb" aria-label={t.openImage(u.name)} onClick={() => setOpen(i)}>
          <img src={fileUrl(base, u.thumb_url!)} alt={u.name} width={u.width} height={u.height} loading="lazy" decoding="async" />
        </button>
      ))}
      {files.map((u) => (
        <a key={u.id} className="file-card" href={fileUrl(base, u.url)} download={u.name} title={t.download(u.name)}>
          <FileIcon />
          <span>
            <span className="name">{u.name}</span>
            <span className="muted small">{formatSize(u.size)}</span>
          </span>
          <Download />
        </a>
      ))}
      {open !== null && <Lightbox images={images} start={open} base={base} onClose={() => setOpen(null)} />}
    </div>
  );
}

/**
 * Lightbox shows a message's images one at a time, full size: a modal
 * <dialog> (focus kept inside, Escape closes, focus goes back to the
 * preview), arrow keys and buttons go between the images.
 */
export function Lightbox({ images, start, base, onClose }: { images: Upload[]; start: number; base: string; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [i, setI] = useState(start);
  const n = images.length;
  const u = images[i];
  useEffect(() => {
    const back = document.activeElement as HTMLElement | null;
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => back?.focus();
  }, []);
  const go = (step: number) => setI((x) => (x + step + n) % n);
  const onKeyDown = (e: KeyboardEvent) => {
    if (n < 2) return;
    if (e.key === 'ArrowRight') (e.preventDefault(), go(1));
    else if (e.key === 'ArrowLeft') (e.preventDefault(), go(-1));
  };
  return (
    <dialog ref={ref} className="lightbox" aria-labelledby="lightbox-title" onClose={onClose} onKeyDown={onKeyDown}>
      <div className="lightbox-bar">
        <h2 id="lightbox-title">{n > 1 ? t.imageOf(i + 1, n, u.name) : u.name}</h2>
        {n > 1 && (
          <>
            <button type="button" className="icon-btn" aria-label={t.previousImage} onClick={() => go(-1)}>
              <Prev />
            </button>
            <button type="button" className="icon-btn" aria-label={t.nextImage} onClick={() => go(1)}>
              <Next />
            </button>
          </>
        )}
        <a className="icon-btn" href={fileUrl(base, u.url)} download={u.name} aria-label={t.download(u.name)}>
          <Download />
        </a>
        <button type="button" className="icon-btn" aria-label={t.close} autoFocus onClick={() => ref.current?.close()}>
          <Close />
        </button>
      </div>
      <figure onClick={(e) => e.target === e.currentTarget && ref.current?.close()}>
        <img src={fileUrl(base, u.url)} alt={u.name} />
      </figure>
    </dialog>
  );
}
