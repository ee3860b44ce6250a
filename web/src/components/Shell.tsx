import { AdminView } from './AdminView';
import { useEffect, useRef, useState } from 'react';
import { useChat, useStore } from '../app/hooks';
import { navigate, useRoute } from '../app/router';
import { BrowseView } from './BrowseView';
import { MembersView } from './MembersView';
import { MentionsView } from './MentionsView';
import { NewDMView } from './NewDMView';
import { RoomView } from './RoomView';
import { SettingsView } from './SettingsView';
import { Sidebar } from './Sidebar';
import { VerifyBanner } from './VerifyBanner';
import { ConnectionBanner } from './ConnectionBanner';
import { TabTitle } from './TabTitle';
import { SearchHost } from './SearchDialog';
import { Logo, Menu } from './Icons';
import { t } from '../lib/strings';

export function Shell({ onSignOut }: { onSignOut: () => void }) {
  const route = useRoute();
  const store = useStore();
  const rooms = useChat((s) => s.rooms);
  const announcement = useChat((s) => s.announcement);
  const gone = useChat((s) => s.gone);
  const [drawer, setDrawer] = useState(false);
  const [creating, setCreating] = useState(false);
  const menuBtn = useRef<HTMLButtonElement>(null);
  const roomId = route.view === 'room' ? route.roomId : null;
  const shownRoom = route.view === 'room' || route.view === 'members' ? route.roomId : null;

  useEffect(() => store.setCurrent(roomId), [store, roomId]);

  // Left or removed from the room on screen: back to the start.
  useEffect(() => {
    if (gone && gone.roomId === shownRoom) navigate('/', true);
    // Only when it happens, not when the room is opened again later.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [gone]);

  // Close the drawer when the view changes (phone width).
  const key = route.view + (shownRoom ?? '');
  useEffect(() => setDrawer(false), [key]);

  // The open drawer takes the focus (its first link); closing it gives it back to the menu button.
  useEffect(() => {
    if (!drawer) return;
    if (!document.getElementById('sidebar')?.contains(document.activeElement)) document.querySelector<HTMLElement>('#sidebar a')?.focus();
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
    <button ref={menuBtn} className="icon-btn only-phone" aria-label={t.openRoomList} aria-expanded={drawer} aria-controls="sidebar" onClick={() => setDrawer(true)}>
      <Menu />
    </button>
  );

  let main;
  if (route.view === 'room') main = <RoomView key={route.roomId} roomId={route.roomId} seq={route.seq} menu={openDrawer} />;
  else if (route.view === 'members') main = <MembersView key={route.roomId} roomId={route.roomId} menu={openDrawer} />;
  else if (route.view === 'browse') main = <BrowseView menu={openDrawer} />;
  else if (route.view === 'new-dm') main = <NewDMView menu={openDrawer} />;
  else if (route.view === 'mentions') main = <MentionsView menu={openDrawer} />;
  else if (route.view === 'settings') main = <SettingsView menu={openDrawer} onSignOut={onSignOut} />;
  else if (route.view === 'admin') main = <AdminView menu={openDrawer} />;
  else
    main = (
      <section className="main empty" aria-label={t.welcome}>
        <header className="room-header only-phone-flex">{openDrawer}<span className="brand">OpenChat</span></header>
        <div className="empty-state">
          <Logo />
          <h1>{t.welcomeTitle}</h1>
          <p className="muted">{rooms.length ? t.pickARoom : t.joinOrCreate}</p>
          <div className="row center-row">
            <button className="btn primary" onClick={() => navigate('/browse')}>
              {t.browseRooms}
            </button>
            <button
              className="btn"
              onClick={() => {
                setCreating(true);
                setDrawer(true); // at phone width the form is in the drawer
              }}
            >
              {t.createFirstRoom}
            </button>
            <button className="btn" onClick={() => navigate('/messages/new')}>
              {t.newDirectMessage}
            </button>
          </div>
        </div>
      </section>
    );

  return (
    <div className={'shell' + (drawer ? ' drawer-open' : '')}>
      <a className="skip" href="#main">{t.skipToContent}</a>
      <Sidebar route={route} onClose={() => setDrawer(false)} creating={creating} setCreating={setCreating} />
      <div className="backdrop" hidden={!drawer} onClick={() => setDrawer(false)} />
      <SearchHost />
      <main id="main" className="main-column" tabIndex={-1}>
        <TabTitle />
        <ConnectionBanner />
        <VerifyBanner />
        {main}
        <div className="sr-only" role="status" aria-live="polite" aria-atomic="true">
          {announcement}
        </div>
      </main>
    </div>
  );
}
