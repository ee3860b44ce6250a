import type { ReactNode } from 'react';

/** PageHeader is the top bar of a page in the main column: drawer button, title, subtitle. */
export function PageHeader({ menu, id, icon, title, subtitle, before }: { menu: ReactNode; id: string; icon: ReactNode; title: ReactNode; subtitle?: ReactNode; before?: ReactNode }) {
  return (
    <header className="room-header">
      {menu}
      {before}
      <div className="room-title">
        <h1 id={id}>
          {icon} {title}
        </h1>
        {subtitle && <p className="topic muted">{subtitle}</p>}
      </div>
    </header>
  );
}
