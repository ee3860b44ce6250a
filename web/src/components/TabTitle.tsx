import { useEffect, useState } from 'react';
import { useChat } from '../app/hooks';
import { setFaviconBadge } from '../lib/favicon';
import { titleWithCount, unreadTotal } from '../lib/notify';

/** TabTitle keeps document.title as "(unread) screen · OpenChat" and the count on the tab icon. It renders nothing. */
export function TabTitle() {
  const rooms = useChat((s) => s.rooms);
  const current = useChat((s) => s.current);
  const base = useChat((s) => s.pageTitle);
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible');
  useEffect(() => {
    const f = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', f);
    return () => document.removeEventListener('visibilitychange', f);
  }, []);
  const unread = unreadTotal(rooms, current, visible);
  const title = titleWithCount(base, unread);
  useEffect(() => {
    document.title = title;
  }, [title]);
  useEffect(() => {
    void setFaviconBadge(unread);
  }, [unread]);
  useEffect(() => () => void setFaviconBadge(0), []);
  return null;
}
