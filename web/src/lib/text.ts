// Splits a message body into plain text, links and @mentions, rendered by
// React as text nodes and elements: never as HTML.

export type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'link'; text: string; href: string }
  | { kind: 'mention'; text: string; username: string };

// http(s) URLs, and www. hosts (shown as typed, opened with https://).
const LINK = /\b(?:https?:\/\/|www\.)[^\s<>"]+/gi;
const MENTION = /(^|[^\p{L}\p{N}_.\-@+/])@([a-z0-9_.-]{3,32})(?![\p{L}\p{N}])/giu;
const TRAILING = /[.,;:!?'"*\]}>-]/;

function safeHref(raw: string): string | null {
  const href = /^www\./i.test(raw) ? 'https://' + raw : raw;
  try {
    const u = new URL(href);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** Trims sentence punctuation off a URL, keeping parentheses that balance. */
function trimUrl(url: string): string {
  let u = url;
  while (u.length > 0) {
    const c = u[u.length - 1];
    const open = u.split('(').length - 1;
    const close = u.split(')').length - 1;
    if (TRAILING.test(c) || (c === ')' && close > open)) u = u.slice(0, -1);
    else break;
  }
  return u;
}

function mentions(text: string, out: Segment[]) {
  let last = 0;
  for (const m of text.matchAll(MENTION)) {
    const name = m[2].replace(/[.-]+$/, '');
    if (name.length < 3) continue;
    const at = (m.index ?? 0) + m[1].length;
    if (at > last) out.push({ kind: 'text', text: text.slice(last, at) });
    out.push({ kind: 'mention', text: '@' + name, username: name.toLowerCase() });
    last = at + 1 + name.length;
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) });
}

/** tokenize splits body into segments whose texts join back to body. */
export function tokenize(body: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of body.matchAll(LINK)) {
    const start = m.index ?? 0;
    const text = trimUrl(m[0]);
    const href = safeHref(text);
    if (!href) continue;
    if (start > last) mentions(body.slice(last, start), out);
    out.push({ kind: 'link', text, href });
    last = start + text.length;
  }
  if (last < body.length) mentions(body.slice(last), out);
  return out;
}
