import { describe, expect, it } from 'vitest';
import { badgeText } from './favicon';

describe('badgeText', () => {
  it.each([
    [0, ''],
    [-1, ''],
    [1, '1'],
    [42, '42'],
    [99, '99'],
    [100, '99+'],
  ])('%i → %j', (n, want) => expect(badgeText(n)).toBe(want));
});
