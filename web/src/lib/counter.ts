// The composer's length counter: always shown as the characters left
// (compact, like Mastodon's), warned near the limit, red past it. Screen
// readers hear it only near the limit, not on every key before that.

/** From this many characters left, the counter is announced (politely) and coloured. */
export const COUNTER_NEAR = 200;

export interface CounterState {
  /** Characters left; negative past the limit. */
  left: number;
  level: 'ok' | 'near' | 'over';
  live: 'off' | 'polite' | 'assertive';
}

export function counterState(count: number, max: number): CounterState {
  const left = max - count;
  if (left < 0) return { left, level: 'over', live: 'assertive' };
  if (left <= COUNTER_NEAR) return { left, level: 'near', live: 'polite' };
  return { left, level: 'ok', live: 'off' };
}
