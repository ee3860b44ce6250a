import { memo } from 'react';
import { tokenize } from '../lib/text';

/** MessageBody renders a body as text, with safe links and @mentions. */
export const MessageBody = memo(function MessageBody({ body, me }: { body: string; me: string }) {
  return (
    <div className="body">
      {tokenize(body).map((s, i) => {
        if (s.kind === 'link')
          return (
            <a key={i} href={s.href} target="_blank" rel="noopener noreferrer">
              {s.text}
            </a>
          );
        if (s.kind === 'mention') return <span key={i} className={'mention' + (s.username === me ? ' self' : '')}>{s.text}</span>;
        return s.text;
      })}
    </div>
  );
});
