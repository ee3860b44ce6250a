/** Reconnect delays: exponential from BACKOFF_BASE_MS, capped, with jitter. */
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 30_000;

/**
 * backoffDelay is the wait before reconnect attempt n (0-based): the
 * exponential step, with "equal jitter" (half fixed, half random) so that
 * thousands of clients dropped by one server restart do not return at once.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
  return Math.round(step / 2 + random() * (step / 2));
}
