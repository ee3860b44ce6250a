// Where the API lives. /config.json is written by the server (or by
// `openchat web export`); empty values mean "the origin that served the page".

export interface AppConfig {
  apiOrigin: string;
  wsUrl: string;
}

export const TOKEN_KEY = 'openchat_token';

export async function loadConfig(fetcher: typeof fetch = fetch): Promise<AppConfig> {
  try {
    const r = await fetcher('/config.json', { cache: 'no-store' });
    if (r.ok) {
      const c = await r.json();
      return { apiOrigin: String(c.apiOrigin ?? '').replace(/\/+$/, ''), wsUrl: String(c.wsUrl ?? '') };
    }
  } catch {
    // Served without the Go handler (vite dev): same origin.
  }
  return { apiOrigin: '', wsUrl: '' };
}

/** crossOrigin: the API is elsewhere, so cookies are unreliable and a bearer token is used. */
export function isCrossOrigin(cfg: AppConfig, pageOrigin: string): boolean {
  return cfg.apiOrigin !== '' && cfg.apiOrigin !== pageOrigin;
}

/** wsURL is the WebSocket endpoint, with ?token= when cookies will not be sent. */
export function wsURL(cfg: AppConfig, page: { protocol: string; host: string; origin: string }, token: string | null): string {
  let base = cfg.wsUrl;
  if (!base) {
    const origin = cfg.apiOrigin || page.origin;
    base = origin.replace(/^http/, 'ws') + '/api/v1/ws';
  }
  if (token && isCrossOrigin(cfg, page.origin)) {
    base += (base.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token);
  }
  return base;
}
