import { describe, expect, it } from 'vitest';
import { isCrossOrigin, wsURL } from './config';

const page = { protocol: 'https:', host: 'chat.example.com', origin: 'https://chat.example.com' };

describe('wsURL', () => {
  it('same origin by default, no token', () => {
    expect(wsURL({ apiOrigin: '', wsUrl: '' }, page, 'tok')).toBe('wss://chat.example.com/api/v1/ws');
    expect(wsURL({ apiOrigin: '', wsUrl: '' }, { protocol: 'http:', host: 'localhost:8080', origin: 'http://localhost:8080' }, null)).toBe(
      'ws://localhost:8080/api/v1/ws',
    );
  });
  it('another API origin gets ?token=', () => {
    const cfg = { apiOrigin: 'https://api.example.net', wsUrl: '' };
    expect(isCrossOrigin(cfg, page.origin)).toBe(true);
    expect(wsURL(cfg, page, 'a b')).toBe('wss://api.example.net/api/v1/ws?token=a%20b');
  });
  it('an explicit wsUrl wins', () => {
    expect(wsURL({ apiOrigin: 'https://api.example.net', wsUrl: 'wss://ws.example.net/api/v1/ws' }, page, 't')).toBe('wss://ws.example.net/api/v1/ws?token=t');
  });
});
