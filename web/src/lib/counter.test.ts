import { describe, expect, it } from 'vitest';
import { COUNTER_NEAR, counterState } from './counter';

describe('counterState', () => {
  it.each([
    [0, { left: 4000, level: 'ok', live: 'off' }],
    [4000 - COUNTER_NEAR - 1, { left: COUNTER_NEAR + 1, level: 'ok', live: 'off' }],
    [4000 - COUNTER_NEAR, { left: COUNTER_NEAR, level: 'near', live: 'polite' }],
    [4000, { left: 0, level: 'near', live: 'polite' }],
    [4001, { left: -1, level: 'over', live: 'assertive' }],
  ])('%i of 4000', (count, want) => expect(counterState(count, 4000)).toEqual(want));
});
