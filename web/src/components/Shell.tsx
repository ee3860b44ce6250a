import { useEffect, useRef, useState } from 'react';
import { useChat, useStore } from '../app/hooks';
import { navigate, useRoute } from '../app/router';
import { MentionsView } from './MentionsView';
import { RoomView } from './RoomView';
import { SettingsView } from './SettingsView';
import { Sidebar } from './Sidebar';
import { VerifyBanner } from './VerifyBanner';
import { Logo, Menu } from './Icons';

export function Shell({ onSignOut }: { onSignOut: () => void }) {
  const route = useRoute();
  const store = useStore();
  const rooms = useChat((s) => s.rooms);
  const announcement = useChat((s) => s.announcement);
  const [drawer, setDrawer] = useState(false);
  const menuBtn = useRef<HTMLButtonElement>(null);
  const roomId = route.view === 'room' ? route.roomId : null;

  useEffect(() => store.setCurrent(roomId), [store, roomId]);

  // Close the drawer when the view changes (phone width).
  const key = route.view + (roomId ?? '');
  useEffect(() => setDrawer(false), [key]);

  useEffect(() => {
    if (!drawer) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setDrawer(false);
        menuBtn.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [drawer]);

  const openDrawer = (
    <button ref={menuBtn} className="icon-btn only-phone" aria-label="Open room list" aria-expanded={drawer} aria-controls="sidebar" onClick={() => setDrawer(true)}>
      <Menu />
    </button>
  );

  let main;
  if (route.view === 'room') main = <RoomView key={route.roomId} roomId={route.roomId} seq={route.seq} menu={openDrawer} />;
  else if (route.view === 'mentions') main = <MentionsView menu={openDrawer} />;
  else if (route.view === 'settings') main = <SettingsView menu={openDrawer} onSignOut={onSignOut} />;
  else
    main = (
      <section className="main empty" aria-label="Welcome">
        <header className="room-header only-phone-flex">{openDrawer}<h2>OpenChat</h2></header>
        <div className="empty-state">
          <Logo />
          <h2>Welcome to OpenChat</h2>
          <p className="muted">{rooms.length ? 'Pick a room to start talking.' : 'Create the first room to start talking.'}</p>
          {rooms.length > 0 && (
            <button className="btn primary" onClick={() => navigate('/rooms/' + rooms[0].id)}>
              Open #{rooms[0].name}
            </button>
          )}
        </div>
      </section>
    );

  return (
    <div className={'shell' + (drawer ? ' drawer-open' : '')}>
      <a className="skip" href="#composer-input">Skip to message box</a>
      <Sidebar route={route} onClose={() => setDrawer(false)} />
      <div className="backdrop" hidden={!drawer} onClick={() => setDrawer(false)} />
      <div className="main-column">
        <VerifyBanner />
        {main}
      </div>
      <div className="sr-only" role="status" aria-live="polite" aria-atomic="true">
        {announcement}
      </div>
    </div>
  );
}
