import { describe, expect, it } from 'vitest';
import { afterSubscribe, type AfterSubscribe, type Subscribed } from './resume';

describe('afterSubscribe', () => {
  const cases: Array<{ name: string; s: Subscribed; newest: number; want: AfterSubscribe }> = [
    { name: 'resumed by change: the replay brings everything', s: { lastSeq: 90, truncated: false, afterChange: 40 }, newest: 50, want: { kind: 'none' } },
    { name: 'resumed by change, truncated: start afresh', s: { lastSeq: 9000, truncated: true, afterChange: 40 }, newest: 50, want: { kind: 'reset' } },
    { name: 'first subscribe: fetch the page again', s: { lastSeq: 50, truncated: false }, newest: 50, want: { kind: 'reload' } },
    { name: 'by seq, truncated: page the hole', s: { lastSeq: 3000, truncated: true, afterSeq: 50 }, newest: 50, want: { kind: 'fill', after: 50 } },
    { name: 'by seq, newer on the server', s: { lastSeq: 60, truncated: false, afterSeq: 55 }, newest: 50, want: { kind: 'fill', after: 50 } },
    { name: 'by seq, nothing newer', s: { lastSeq: 50, truncated: false, afterSeq: 50 }, newest: 50, want: { kind: 'none' } },
  ];
  for (const c of cases) it(c.name, () => expect(afterSubscribe(c.s, c.newest)).toEqual(c.want));
});
