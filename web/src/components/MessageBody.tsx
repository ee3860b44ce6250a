import { memo, type ReactNode } from 'react';
import { parse, type Block, type Inline } from '../lib/markdown';

/**
 * MessageBody renders a body as Markdown (lib/markdown) with @mentions, as
 * React elements only: text is always text, never HTML.
 */
export const MessageBody = memo(function MessageBody({ body, me }: { body: string; me: string }) {
  return <div className="body">{blocks(parse(body), me)}</div>;
});

export function blocks(bs: Block[], me: string): ReactNode[] {
  return bs.map((b, i) => {
    switch (b.t) {
      case 'p':
        return <p key={i}>{inlines(b.c, me)}</p>;
      case 'pre':
        return (
          <pre key={i}>
            <code>{b.v}</code>
          </pre>
        );
      case 'quote':
        return <blockquote key={i}>{blocks(b.c, me)}</blockquote>;
      case 'list': {
        const items = b.items.map((it, j) => <li key={j}>{blocks(it, me)}</li>);
        return b.ordered ? (
          <ol key={i} start={b.start === 1 ? undefined : b.start}>
            {items}
          </ol>
        ) : (
          <ul key={i}>{items}</ul>
        );
      }
    }
  });
}

function inlines(xs: Inline[], me: string): ReactNode[] {
  return xs.map((x, i) => {
    switch (x.t) {
      case 'text':
        return x.v;
      case 'mention':
        return (
          <span key={i} className={'mention' + (x.username === me ? ' self' : '')}>
            {x.v}
          </span>
        );
      case 'code':
        return <code key={i}>{x.v}</code>;
      case 'em':
        return <em key={i}>{inlines(x.c, me)}</em>;
      case 'strong':
        return <strong key={i}>{inlines(x.c, me)}</strong>;
      case 'link':
        return (
          <a key={i} href={x.href} target="_blank" rel="noopener noreferrer nofollow">
            {inlines(x.c, me)}
          </a>
        );
    }
  });
}
