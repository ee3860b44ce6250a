import { useEffect, useRef, useState } from 'react';
import { t } from '../lib/strings';
import { More, Reply, Smile } from './Icons';

export interface Allowed {
  reply: boolean;
  edit: boolean;
  delete: boolean;
  report: boolean;
}

export type Action = 'react' | 'reply' | 'edit' | 'delete' | 'report';

/**
 * MessageActions: on a desktop a bar shown on hover or focus (react, reply,
 * and "…"); on a phone the "…" button is always there and a long press opens
 * the same menu. The menu is keyboard operable (arrows, Escape).
 */
export function MessageActions({ who, allowed, open, setOpen, onAction }: { who: string; allowed: Allowed; open: boolean; setOpen: (v: boolean) => void; onAction: (a: Action) => void }) {
  const menu = useRef<HTMLUListElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const [wasOpen, setWasOpen] = useState(false);
  const items: Array<{ a: Action; label: string }> = [
    { a: 'react', label: t.addReaction },
    ...(allowed.reply ? [{ a: 'reply' as const, label: t.replyInThread }] : []),
    ...(allowed.edit ? [{ a: 'edit' as const, label: t.editMessage }] : []),
    ...(allowed.report ? [{ a: 'report' as const, label: t.reportMessage }] : []),
    ...(allowed.delete ? [{ a: 'delete' as const, label: t.deleteMessage }] : []),
  ];

  useEffect(() => {
    if (open) menu.current?.querySelector<HTMLElement>('[role=menuitem]')?.focus();
    else if (wasOpen && (document.activeElement === document.body || menu.current?.contains(document.activeElement))) button.current?.focus();
    setWasOpen(open);
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (!menu.current?.contains(e.target as Node) && e.target !== button.current) setOpen(false);
    };
    window.addEventListener('mousedown', close);
    return () => window.removeEventListener('mousedown', close);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open]);

  const onKey = (e: React.KeyboardEvent) => {
    const els = Array.from(menu.current?.querySelectorAll<HTMLElement>('[role=menuitem]') ?? []);
    const i = els.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      setOpen(false);
      button.current?.focus();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      els[(i + (e.key === 'ArrowDown' ? 1 : els.length - 1)) % els.length]?.focus();
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      els[e.key === 'Home' ? 0 : els.length - 1]?.focus();
    } else if (e.key === 'Tab') {
      setOpen(false);
    }
  };

  const pick = (a: Action) => {
    setOpen(false);
    onAction(a);
  };

  return (
    <div className={'msg-actions' + (open ? ' open' : '')}>
      <button type="button" className="icon-btn quick" aria-label={t.addReaction} title={t.addReaction} onClick={() => onAction('react')}>
        <Smile />
      </button>
      {allowed.reply && (
        <button type="button" className="icon-btn quick" aria-label={t.replyInThread} title={t.replyInThread} onClick={() => onAction('reply')}>
          <Reply />
        </button>
      )}
      <button
        ref={button}
        type="button"
        className="icon-btn more"
        aria-label={t.messageActionsFor(who)}
        title={t.messageActions}
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        <More />
      </button>
      {open && (
        <ul ref={menu} className="popover menu" role="menu" aria-label={t.messageActions} onKeyDown={onKey}>
          {items.map((x) => (
            <li key={x.a} role="none">
              <button type="button" role="menuitem" tabIndex={-1} className={x.a === 'delete' ? 'danger' : ''} onClick={() => pick(x.a)}>
                {x.label}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
