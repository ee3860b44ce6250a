import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useChat, useStore } from '../app/hooks';
import { applyMention, matchUsers, mentionQueryAt, type MentionQuery } from '../lib/mentions';
import type { UserRef } from '../lib/types';
import { Avatar, displayName } from './Avatar';
import { CharCounter } from './CharCounter';
import { Send } from './Icons';
import { Paperclip } from './FileIcons';
import { AttachmentTray, useAttaching } from './AttachmentTray';
import { BODY_MAX, chars } from '../lib/validate';
import { t } from '../lib/strings';

/** A typing frame is sent at most this often while the user types. */
export const TYPING_EVERY_MS = 3_000;
/** The user search waits this long after the last key. */
const SEARCH_DEBOUNCE_MS = 120;
/** From this many characters on, the textarea's description includes the counter. */
const COUNTER_FROM = 3000;

/** label names the conversation: "#general", or the people of a direct message. */
export function Composer({ roomId, label }: { roomId: string; label: string }) {
  const store = useStore();
  const known = useChat((s) => s.users);
  const meId = useChat((s) => s.me.id);
  const [text, setText] = useState('');
  const [q, setQ] = useState<MentionQuery | null>(null);
  const [active, setActive] = useState(0);
  const [remote, setRemote] = useState<UserRef[]>([]);
  const input = useRef<HTMLTextAreaElement>(null);
  /** Where the caret goes once a picked mention is in the DOM. */
  const caretAfter = useRef<number | null>(null);
  const lastTyping = useRef(0);
  const cache = useRef(new Map<string, UserRef[]>());
  const picker = useRef<HTMLInputElement>(null);
  const attaching = useAttaching(roomId);
  const [wait, setWait] = useState(false);
  const withFiles = attaching.some((a) => a.state === 'done');

  // Ask the server for usernames starting with the query (cached per prefix).
  useEffect(() => {
    if (!q) return;
    const prefix = q.query.toLowerCase();
    const hit = cache.current.get(prefix);
    if (hit) {
      setRemote(hit);
      return;
    }
    const t = setTimeout(() => {
      store.api.searchUsers(prefix, 8).then(
        (users) => {
          cache.current.set(prefix, users);
          setRemote(users);
        },
        () => {},
      );
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [q?.query, store]); // eslint-disable-line react-hooks/exhaustive-deps

  const suggestions = useMemo(
    () => (q ? matchUsers([...remote, ...Object.values(known)].filter((u) => u.id !== meId), q.query) : []),
    [q, remote, known, meId],
  );
  const open = q !== null && suggestions.length > 0;

  useEffect(() => {
    setActive(0);
  }, [q?.query]);

  // A picked mention: place the caret in the same commit that put the text
  // in, before the browser handles the next key. (Placed a frame later, keys
  // typed meanwhile went in at the end and the caret then jumped back.)
  useLayoutEffect(() => {
    const el = input.current;
    if (!el || caretAfter.current === null) return;
    el.setSelectionRange(caretAfter.current, caretAfter.current);
    caretAfter.current = null;
  }, [text]);

  // Grow with the text, up to the CSS max-height.
  useEffect(() => {
    const el = input.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = el.scrollHeight + 'px';
  }, [text]);

  function update(value: string, caret: number) {
    setText(value);
    setQ(mentionQueryAt(value, caret));
    const now = Date.now();
    if (value.trim() && now - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = now;
      store.client.typing(roomId);
    }
  }

  function pick(u: UserRef) {
    const el = input.current;
    if (!el || !q) return;
    const r = applyMention(el.value, q, el.selectionStart ?? el.value.length, u.username);
    caretAfter.current = r.caret;
    setText(r.text);
    setQ(null);
    el.focus();
  }

  function send() {
    const body = text.trim();
    if (store.uploads.busy(roomId)) return setWait(true);
    setWait(false);
    if ((!body && !withFiles) || chars(body) > BODY_MAX) return;
    const files = store.uploads.take(roomId);
    if (files.length) store.sendWithFiles(roomId, body, files);
    else store.send(roomId, body);
    setText('');
    setQ(null);
    lastTyping.current = 0;
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.nativeEvent.isComposing) return;
    if (open) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const n = suggestions.length;
        setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        pick(suggestions[active]);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setQ(null);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      send();
    }
  }

  const count = chars(text.trim());
  const over = count > BODY_MAX;
  return (
    <>
    <AttachmentTray roomId={roomId} />
    {wait && store.uploads.busy(roomId) && (
      <p className="form-error attach-notice" role="alert">
        {t.waitForUploads}
      </p>
    )}
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      {open && (
        <ul id="mention-list" className="suggestions" role="listbox" aria-label={t.people}>
          {suggestions.map((u, i) => (
            <li
              key={u.id}
              id={'mention-opt-' + i}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : ''}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(u);
              }}
            >
              <Avatar user={u} size={24} />
              <strong>{displayName(u)}</strong>
              <span className="muted">@{u.username}</span>
            </li>
          ))}
        </ul>
      )}
      <label htmlFor="composer-input" className="sr-only">
        {t.messageTo(label)}
      </label>
      <textarea
        id="composer-input"
        ref={input}
        rows={1}
        value={text}
        placeholder={t.messageTo(label)}
        onChange={(e) => update(e.target.value, e.target.selectionStart)}
        onSelect={(e) => setQ(mentionQueryAt(e.currentTarget.value, e.currentTarget.selectionStart))}
        onKeyDown={onKeyDown}
        onBlur={() => setQ(null)}
        onPaste={(e) => {
          const files = Array.from(e.clipboardData.files);
          if (files.length === 0) return;
          e.preventDefault();
          store.uploads.add(roomId, files);
        }}
        aria-autocomplete="list"
        aria-controls={open ? 'mention-list' : undefined}
        aria-activedescendant={open ? 'mention-opt-' + active : undefined}
        aria-describedby={count >= COUNTER_FROM ? 'composer-hint composer-counter' : 'composer-hint'}
        aria-invalid={over || undefined}
        autoFocus
      />
      <CharCounter id="composer-counter" count={count} max={BODY_MAX} />
      <input ref={picker} type="file" multiple hidden tabIndex={-1} onChange={(e) => (store.uploads.add(roomId, Array.from(e.target.files ?? [])), (e.target.value = ''))} />
      <button type="button" className="icon-btn attach-btn" aria-label={t.attachFiles} title={t.attachFiles} onClick={() => picker.current?.click()}>
        <Paperclip />
      </button>
      <button type="submit" className="send-btn" aria-label={t.sendMessage} disabled={(!text.trim() && !withFiles) || over}>
        <Send />
      </button>
      <p id="composer-hint" className="sr-only">
        {t.composerHint}
      </p>
    </form>
    </>
  );
}
