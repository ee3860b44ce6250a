import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useStore } from '../app/hooks';
import { navigate, roomPath } from '../app/router';
import { errorText } from '../lib/api';
import { jumpTarget, splitSnippet, type SearchResult } from '../lib/search';
import { formatDateTime, t } from '../lib/strings';
import { displayName } from './Avatar';
import { Search } from './Icons';
import './files-search.css';

/** Results are asked for this long after the last key. */
export const SEARCH_DEBOUNCE_MS = 200;
const PAGE = 20;

// One search dialog for the whole page: opened by Ctrl/Cmd+K anywhere or by
// a SearchButton, which may sit in several headers.
const openers = new Set<() => void>();
export function openSearch() {
  for (const f of openers) f();
}

/** SearchHost listens for Ctrl/Cmd+K and shows the dialog; Shell renders one. */
export function SearchHost() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const show = () => setOpen(true);
    const onKey = (e: globalThis.KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        show();
      }
    };
    openers.add(show);
    window.addEventListener('keydown', onKey);
    return () => {
      openers.delete(show);
      window.removeEventListener('keydown', onKey);
    };
  }, []);
  return open ? <SearchDialog onClose={() => setOpen(false)} /> : null;
}

export function SearchButton({ className = 'icon-btn' }: { className?: string }) {
  return (
    <button type="button" className={className} aria-label={t.searchMessages} title={t.searchShortcut} aria-haspopup="dialog" onClick={openSearch}>
      <Search />
    </button>
  );
}

/** Snippet shows a result's snippet: text nodes and <mark> elements, never HTML. */
export function Snippet({ text }: { text: string }) {
  return (
    <>
      {splitSnippet(text).map((p, i) => (p.mark ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
    </>
  );
}

type Status = 'idle' | 'loading' | 'done' | 'error';

/**
 * SearchDialog: a modal <dialog> (focus stays inside, Escape closes, focus
 * returns to where it was) holding a combobox whose listbox shows live
 * results. Each keystroke cancels the request before it.
 */
export function SearchDialog({ onClose }: { onClose: () => void }) {
  const store = useStore();
  const ref = useRef<HTMLDialogElement>(null);
  const [q, setQ] = useState('');
  const [results, setResults] = useState<SearchResult[]>([]);
  const [cursor, setCursor] = useState('');
  const [status, setStatus] = useState<Status>('idle');
  const [error, setError] = useState('');
  const [active, setActive] = useState(-1);
  const inflight = useRef<AbortController | null>(null);

  useEffect(() => {
    const back = document.activeElement as HTMLElement | null;
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => {
      inflight.current?.abort();
      back?.focus();
    };
  }, []);

  async function run(query: string, after: string) {
    inflight.current?.abort();
    const ctl = new AbortController();
    inflight.current = ctl;
    setStatus('loading');
    try {
      const page = await store.api.search(query, { cursor: after || undefined, limit: PAGE, signal: ctl.signal });
      if (ctl.signal.aborted) return;
      setResults((cur) => (after ? [...cur, ...page.results] : page.results));
      setCursor(page.next_cursor);
      setStatus('done');
      setError('');
      if (!after) setActive(page.results.length ? 0 : -1);
    } catch (e) {
      if (ctl.signal.aborted) return;
      setStatus('error');
      setError(errorText(e, t.couldNotSearch));
    }
  }

  // Live results: a pause in typing sends the query; a newer one cancels it.
  useEffect(() => {
    const query = q.trim();
    if (!query) {
      inflight.current?.abort();
      setResults([]);
      setCursor('');
      setStatus('idle');
      setActive(-1);
      return;
    }
    const id = window.setTimeout(() => void run(query, ''), SEARCH_DEBOUNCE_MS);
    return () => window.clearTimeout(id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [q]);

  useEffect(() => {
    if (active >= 0) document.getElementById('search-opt-' + active)?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  function choose(r: SearchResult) {
    const to = jumpTarget(r.room.id, r.message);
    ref.current?.close();
    navigate(roomPath(to.roomId, to.seq));
    if (to.thread !== undefined) store.openThread(to.roomId, to.thread);
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.nativeEvent.isComposing) return;
    const n = results.length;
    if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && n > 0) {
      e.preventDefault();
      setActive((a) => (e.key === 'ArrowDown' ? (a + 1) % n : (a - 1 + n) % n));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (active >= 0 && results[active]) choose(results[active]);
    }
  }

  const expanded = results.length > 0;
  let said = '';
  if (status === 'loading') said = t.searching;
  else if (status === 'done') said = results.length ? t.searchResults(results.length) + (cursor ? ' ' + t.moreResults : '') : t.noSearchResults;
  return (
    <dialog ref={ref} className="search-dialog" aria-labelledby="search-title" onClose={onClose} onClick={(e) => e.target === ref.current && ref.current?.close()}>
      <h2 id="search-title" className="sr-only">
        {t.searchMessages}
      </h2>
      <div className="search-field">
        <Search />
        {/* type text, not search: Escape closes the dialog rather than first clearing the box. */}
        <input
          type="text"
          role="combobox"
          aria-label={t.searchMessages}
          aria-expanded={expanded}
          aria-controls="search-results"
          aria-autocomplete="list"
          aria-activedescendant={active >= 0 ? 'search-opt-' + active : undefined}
          aria-describedby="search-hint"
          placeholder={t.searchPlaceholder}
          autoComplete="off"
          spellCheck={false}
          maxLength={256}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onKeyDown={onKeyDown}
          autoFocus
        />
        <button type="button" className="btn small" onClick={() => ref.current?.close()}>
          {t.close}
        </button>
      </div>
      <p id="search-hint" className="muted small search-hint">
        {t.searchHint}
      </p>
      <ul id="search-results" role="listbox" aria-label={t.searchResultsLabel} className="search-results" hidden={!expanded}>
        {results.map((r, i) => (
          <li
            key={r.message.id}
            id={'search-opt-' + i}
            role="option"
            aria-selected={i === active}
            className={'search-result' + (i === active ? ' active' : '')}
            onMouseMove={() => setActive(i)}
            onClick={() => choose(r)}
          >
            <div className="search-meta">
              <strong>{r.room.visibility === 'direct' || !r.room.name ? t.directMessage : '#' + r.room.name}</strong>
              <span>{displayName(r.message.author)}</span>
              <time className="muted" dateTime={r.message.created_at}>
                {formatDateTime(new Date(r.message.created_at))}
              </time>
            </div>
            <div className="search-snippet">
              <Snippet text={r.snippet} />
            </div>
          </li>
        ))}
      </ul>
      <div className="search-foot">
        <p role="status" className="muted small" aria-live="polite">
          {said}
        </p>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {cursor && status !== 'loading' && (
          <button type="button" className="btn small" onClick={() => void run(q.trim(), cursor)}>
            {t.loadMore}
          </button>
        )}
      </div>
    </dialog>
  );
}
