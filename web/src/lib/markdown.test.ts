import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { MessageBody } from '../components/MessageBody';
import { inline, parse } from './markdown';

const html = (body: string, me = 'ada') => renderToStaticMarkup(createElement(MessageBody, { body, me }));
const inner = (body: string) => html(body).replace(/^<div class="body">|<\/div>$/g, '');

describe('markdown rendering', () => {
  const cases: Array<{ name: string; body: string; want: string }> = [
    { name: 'plain text', body: 'hello', want: '<p>hello</p>' },
    { name: 'strong and em', body: '**bold** and *it* and _it_ and __b__', want: '<p><strong>bold</strong> and <em>it</em> and <em>it</em> and <strong>b</strong></p>' },
    { name: 'nested emphasis', body: '**bold *both* bold**', want: '<p><strong>bold <em>both</em> bold</strong></p>' },
    { name: 'triple', body: '***x***', want: '<p><strong><em>x</em></strong></p>' },
    { name: 'snake_case stays', body: 'a snake_case_name and 2*3*4', want: '<p>a snake_case_name and 2<em>3</em>4</p>' },
    { name: 'unclosed stays text', body: '**not closed and * lone', want: '<p>**not closed and * lone</p>' },
    { name: 'inline code keeps markup', body: 'run `a *b* <i>` now', want: '<p>run <code>a *b* &lt;i&gt;</code> now</p>' },
    { name: 'double backticks', body: '``a ` b``', want: '<p><code>a ` b</code></p>' },
    { name: 'escapes', body: '\\*not em\\*', want: '<p>*not em*</p>' },
    { name: 'fenced code', body: '```go\nfunc main() {\n  x := *p\n}\n```', want: '<pre><code>func main() {\n  x := *p\n}</code></pre>' },
    { name: 'tilde fence, unclosed runs to the end', body: '~~~\n**x**', want: '<pre><code>**x**</code></pre>' },
    { name: 'block quote', body: '> quoted **b**\n> more\n\nafter', want: '<blockquote><p>quoted <strong>b</strong>\nmore</p></blockquote><p>after</p>' },
    { name: 'bullet list', body: '- one\n- two *i*', want: '<ul><li><p>one</p></li><li><p>two <em>i</em></p></li></ul>' },
    { name: 'ordered list from 3', body: '3. c\n4. d', want: '<ol start="3"><li><p>c</p></li><li><p>d</p></li></ol>' },
    { name: 'nested list', body: '- a\n  - b', want: '<ul><li><p>a</p><ul><li><p>b</p></li></ul></li></ul>' },
    { name: 'paragraph then list', body: 'todo:\n- x', want: '<p>todo:</p><ul><li><p>x</p></li></ul>' },
    { name: 'line breaks kept', body: 'a\nb\n\nc', want: '<p>a\nb</p><p>c</p>' },
    { name: 'link', body: '[docs](https://example.org/a_b "t")', want: '<p><a href="https://example.org/a_b" target="_blank" rel="noopener noreferrer nofollow">docs</a></p>' },
    { name: 'mailto link', body: '[mail](mailto:ada@example.org)', want: '<p><a href="mailto:ada@example.org" target="_blank" rel="noopener noreferrer nofollow">mail</a></p>' },
    { name: 'autolink', body: '<https://example.org>', want: '<p><a href="https://example.org/" target="_blank" rel="noopener noreferrer nofollow">https://example.org</a></p>' },
    { name: 'bare url', body: 'see https://example.org.', want: '<p>see <a href="https://example.org/" target="_blank" rel="noopener noreferrer nofollow">https://example.org</a>.</p>' },
    { name: 'mentions', body: 'hi @ada and @bob', want: '<p>hi <span class="mention self">@ada</span> and <span class="mention">@bob</span></p>' },
    { name: 'no mention inside code', body: '`@ada`', want: '<p><code>@ada</code></p>' },
    { name: 'headings are not in the subset', body: '# title', want: '<p># title</p>' },
  ];
  for (const c of cases) it(c.name, () => expect(inner(c.body)).toBe(c.want));
});

describe('markdown never renders HTML or unsafe links', () => {
  const attacks = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">x</a>',
    '[click](javascript:alert(1))',
    '[click](JaVaScRiPt:alert(1))',
    '[click](  javascript:alert(1) )',
    '[click](data:text/html;base64,PHNjcmlwdD4=)',
    '[click](vbscript:msgbox)',
    '<javascript:alert(1)>',
    '[x](https://ok.example" onmouseover="alert(1))',
    '**<b onclick="x">bold</b>**',
    '```\n</code></pre><script>alert(1)</script>\n```',
    '> <iframe src="https://evil.example"></iframe>',
    '- <style>body{display:none}</style>',
    '[<img src=x onerror=alert(1)>](https://example.org)',
  ];
  for (const a of attacks) {
    it(JSON.stringify(a), () => {
      const out = html(a);
      expect(out).not.toMatch(/<(script|img|iframe|style|b |a href="(javascript|data|vbscript))/i);
      expect(out).not.toMatch(/ on\w+="/i);
      expect(out).not.toMatch(/href="(?!https?:|mailto:)/);
    });
  }

  it('keeps a <script> as visible text', () => {
    expect(inner('<script>alert(1)</script>')).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
  });

  it('shows a refused link as its text', () => {
    expect(inner('[click](javascript:alert(1))')).toBe('<p>click</p>');
  });

  it('has no nested links', () => {
    expect(inline('[see https://a.example](https://b.example)')).toEqual([{ t: 'link', href: 'https://b.example/', c: [{ t: 'text', v: 'see https://a.example' }] }]);
  });

  it('bounds nesting', () => {
    expect(() => parse('>'.repeat(500) + ' deep')).not.toThrow();
    expect(() => parse('*'.repeat(4000))).not.toThrow();
    expect(() => parse('[' .repeat(2000))).not.toThrow();
  });
});
