// A small Markdown parser for message bodies: a CommonMark subset
// (paragraphs, emphasis, strong, inline code, fenced code blocks, block
// quotes, lists, links, autolinks). It builds a tree that components/Markdown
// turns into React elements. Raw HTML is never interpreted: "<b>" stays the
// text "<b>". Links are kept only for http(s) and mailto; any other link
// shows as its text.

import { tokenize } from './text';

export type Inline =
  | { t: 'text'; v: string }
  | { t: 'mention'; v: string; username: string }
  | { t: 'code'; v: string }
  | { t: 'em' | 'strong'; c: Inline[] }
  | { t: 'link'; href: string; c: Inline[] };

export type Block =
  | { t: 'p'; c: Inline[] }
  | { t: 'pre'; lang: string; v: string }
  | { t: 'quote'; c: Block[] }
  | { t: 'list'; ordered: boolean; start: number; items: Block[][] };

/** Nesting deeper than this (quotes in lists in quotes…) is shown as text. */
export const MAX_DEPTH = 8;

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])( +|$)(.*)$/;
const BLANK = /^\s*$/;
const PUNCT = /[!-/:-@[-`{-~]/;

/** safeHref: the URL if it is http(s) or mailto, else null. */
export function safeHref(raw: string): string | null {
  try {
    const u = new URL(raw.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'mailto:' ? u.href : null;
  } catch {
    return null;
  }
}

/** parse turns a body into blocks. */
export function parse(body: string, depth = 0): Block[] {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const out: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (BLANK.test(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const mark = fence[1];
      const body: string[] = [];
      i++;
      while (i < lines.length && !new RegExp('^ {0,3}' + mark[0] + '{' + mark.length + ',}\\s*$').test(lines[i])) body.push(lines[i++]);
      i++; // the closing fence (or the end)
      out.push({ t: 'pre', lang: fence[2], v: body.join('\n') });
      continue;
    }
    if (depth < MAX_DEPTH && QUOTE.test(line)) {
      const inner: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i])) inner.push(QUOTE.exec(lines[i++])![1]);
      out.push({ t: 'quote', c: parse(inner.join('\n'), depth + 1) });
      continue;
    }
    const item = depth < MAX_DEPTH ? ITEM.exec(line) : null;
    if (item) {
      const r = parseList(lines, i, depth);
      out.push(r.block);
      i = r.next;
      continue;
    }
    // The first line always goes in (a quote or list too deep is text), so the loop moves on.
    const para: string[] = [lines[i++]];
    while (i < lines.length && !BLANK.test(lines[i]) && !FENCE.test(lines[i]) && !QUOTE.test(lines[i]) && !startsList(lines[i])) para.push(lines[i++]);
    out.push({ t: 'p', c: inline(para.join('\n')) });
  }
  return out;
}

/** A line that starts a list inside a paragraph: a bullet, or an ordered list from 1. */
function startsList(line: string): boolean {
  const m = ITEM.exec(line);
  return !!m && m[4].trim() !== '' && (/^[-*+]$/.test(m[2]) || /^1[.)]$/.test(m[2]));
}

function parseList(lines: string[], from: number, depth: number): { block: Block; next: number } {
  const first = ITEM.exec(lines[from])!;
  const ordered = /\d/.test(first[2]);
  const kind = first[2].slice(-1);
  const items: string[][] = [];
  let i = from;
  const indent = first[1].length;
  const nested = new RegExp('^ {' + (indent + 2) + ',}\\S');
  while (i < lines.length) {
    // Indented past this list's markers: the item goes on (a nested list, say).
    if (items.length > 0 && nested.test(lines[i])) {
      items[items.length - 1].push(lines[i].slice(Math.min(indent + 2 + (/\d/.test(first[2]) ? first[2].length - 1 : 0), lines[i].search(/\S/))));
      i++;
      continue;
    }
    const m = ITEM.exec(lines[i]);
    if (m && (ordered ? /\d/.test(m[2]) && m[2].slice(-1) === kind : m[2] === kind)) {
      items.push([m[4]]);
      i++;
      continue;
    }
    const cur = items[items.length - 1];
    if (BLANK.test(lines[i])) {
      // A blank line ends the list unless an item or an indented line follows.
      const next = lines[i + 1];
      if (next !== undefined && (/^ {2,}\S/.test(next) || ITEM.exec(next)?.[2].slice(-1) === kind)) {
        cur.push('');
        i++;
        continue;
      }
      break;
    }
    if (/^ {2,}/.test(lines[i])) {
      cur.push(lines[i].replace(/^ {2,4}/, ''));
      i++;
      continue;
    }
    if (m || FENCE.test(lines[i]) || QUOTE.test(lines[i])) break;
    cur.push(lines[i]); // a lazy continuation of the item's paragraph
    i++;
  }
  const start = ordered ? parseInt(first[2], 10) : 1;
  return { block: { t: 'list', ordered, start, items: items.map((it) => parse(it.join('\n'), depth + 1)) }, next: i };
}

/** inline parses a paragraph's text: code spans, autolinks, links, emphasis, then bare links and mentions. */
export function inline(s: string, depth = 0, inLink = false): Inline[] {
  const out: Inline[] = [];
  let text = '';
  const flush = () => {
    if (!text) return;
    if (inLink) out.push({ t: 'text', v: text });
    else for (const seg of tokenize(text)) out.push(seg.kind === 'link' ? { t: 'link', href: seg.href, c: [{ t: 'text', v: seg.text }] } : seg.kind === 'mention' ? { t: 'mention', v: seg.text, username: seg.username } : { t: 'text', v: seg.text });
    text = '';
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length && PUNCT.test(s[i + 1])) {
      text += s[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      const run = runLength(s, i, '`');
      const end = findRun(s, i + run, '`', run);
      if (end < 0) {
        text += s.slice(i, i + run);
        i += run;
        continue;
      }
      flush();
      let v = s.slice(i + run, end).replace(/\n/g, ' ');
      if (v.length > 2 && v.startsWith(' ') && v.endsWith(' ') && v.trim()) v = v.slice(1, -1);
      out.push({ t: 'code', v });
      i = end + run;
      continue;
    }
    if (c === '<' && !inLink) {
      const m = /^<([a-z][a-z0-9+.-]{1,31}:[^\s<>]*)>/i.exec(s.slice(i));
      const href = m ? safeHref(m[1]) : null;
      if (m && href) {
        flush();
        out.push({ t: 'link', href, c: [{ t: 'text', v: m[1].replace(/^mailto:/i, '') }] });
        i += m[0].length;
        continue;
      }
    }
    if (c === '[' && !inLink) {
      const link = parseLink(s, i);
      if (link) {
        flush();
        const label = inline(link.label, depth + 1, true);
        const href = safeHref(link.dest);
        if (href) out.push({ t: 'link', href, c: label });
        else out.push(...label); // not a link we allow: its text only
        i = link.end;
        continue;
      }
    }
    if ((c === '*' || c === '_') && depth < MAX_DEPTH) {
      const em = parseEmphasis(s, i, depth, inLink);
      if (em) {
        flush();
        out.push(em.node);
        i = em.end;
        continue;
      }
      const run = runLength(s, i, c);
      text += s.slice(i, i + run);
      i += run;
      continue;
    }
    text += c;
    i++;
  }
  flush();
  return out;
}

function runLength(s: string, i: number, c: string): number {
  let n = 0;
  while (s[i + n] === c) n++;
  return n;
}

/** findRun: where a run of exactly n c's starts at or after from, or -1. */
function findRun(s: string, from: number, c: string, n: number): number {
  for (let j = from; j < s.length; j++) {
    if (s[j] !== c) continue;
    const r = runLength(s, j, c);
    if (r === n) return j;
    j += r - 1;
  }
  return -1;
}

const WORD = /[\p{L}\p{N}]/u;

/**
 * parseEmphasis reads *em*, **strong** or ***both*** (or with underscores,
 * which do not count inside words: snake_case stays) starting at i. The
 * closing run has the opening's length; runs of other lengths in between
 * are left to the recursive parse of the inside.
 */
function parseEmphasis(s: string, i: number, depth: number, inLink: boolean): { node: Inline; end: number } | null {
  const c = s[i];
  const run = runLength(s, i, c);
  if (run > 3 || (c === '_' && i > 0 && WORD.test(s[i - 1]))) return null;
  const from = i + run;
  if (from >= s.length || /\s/.test(s[from])) return null;
  for (let j = from + 1; j < s.length; j++) {
    const ch = s[j];
    if (ch === '\\') {
      j++;
      continue;
    }
    if (ch === '`') {
      const r = runLength(s, j, '`');
      const e = findRun(s, j + r, '`', r);
      j = (e >= 0 ? e : j) + r - 1;
      continue;
    }
    if (ch !== c) continue;
    const r = runLength(s, j, c);
    if (r !== run || /\s/.test(s[j - 1]) || (c === '_' && WORD.test(s[j + r] ?? ''))) {
      j += r - 1;
      continue;
    }
    const inner = inline(s.slice(from, j), depth + 1, inLink);
    const node: Inline = run === 1 ? { t: 'em', c: inner } : run === 2 ? { t: 'strong', c: inner } : { t: 'strong', c: [{ t: 'em', c: inner }] };
    return { node, end: j + r };
  }
  return null;
}

/** parseLink reads [label](destination "title") at i. */
function parseLink(s: string, i: number): { label: string; dest: string; end: number } | null {
  let depth = 0;
  let j = i;
  for (; j < s.length; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === '[') depth++;
    else if (s[j] === ']' && --depth === 0) break;
  }
  if (j >= s.length || s[j + 1] !== '(') return null;
  const label = s.slice(i + 1, j);
  let k = j + 2;
  let parens = 0;
  let dest = '';
  while (k < s.length && /[ \t]/.test(s[k])) k++;
  if (s[k] === '<') {
    const e = s.indexOf('>', k);
    if (e < 0) return null;
    dest = s.slice(k + 1, e);
    k = e + 1;
  } else {
    const st = k;
    for (; k < s.length && !/\s/.test(s[k]); k++) {
      if (s[k] === '\\') k++;
      else if (s[k] === '(') parens++;
      else if (s[k] === ')' && parens-- === 0) break;
    }
    dest = s.slice(st, k);
  }
  while (k < s.length && /\s/.test(s[k])) k++;
  if (s[k] === '"' || s[k] === "'") {
    const e = s.indexOf(s[k], k + 1);
    if (e < 0) return null;
    k = e + 1;
    while (k < s.length && /\s/.test(s[k])) k++;
  }
  if (s[k] !== ')' || !label.trim()) return null;
  return { label, dest, end: k + 1 };
}
