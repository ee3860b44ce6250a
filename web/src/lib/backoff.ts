/** Reconnect delays: exponential from BACKOFF_BASE_MS, capped, with full jitter (docs/protocol.md). */
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 30_000;
/** A connection that stays up this long after hello sets the attempt count back to 0. */
export const BACKOFF_RESET_MS = 10_000;

/**
 * backoffWindow is how long reconnect attempt n (0-based) may wait: it
 * doubles from BACKOFF_BASE_MS with each failed attempt, up to BACKOFF_MAX_MS.
 */
export function backoffWindow(attempt: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
}

/**
 * backoffDelay is the wait before reconnect attempt n: uniformly random in
 * [0, backoffWindow(n)) ("full jitter"), so that the thousands of clients
 * one server restart drops spread over the whole window instead of
 * returning together, and retry ever more sparsely while the server
 * refuses them.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  return Math.floor(random() * backoffWindow(attempt));
}
