import { useEffect, useState } from 'react';
import { useChat } from '../app/hooks';
import { titleWithCount, unreadTotal } from '../lib/notify';

/** TabTitle keeps document.title as "(unread) screen · OpenChat". It renders nothing. */
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
  const title = titleWithCount(base, unreadTotal(rooms, current, visible));
  useEffect(() => {
    document.title = title;
  }, [title]);
  return null;
}
