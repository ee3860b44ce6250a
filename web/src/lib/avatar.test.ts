import { describe, expect, it } from 'vitest';
import { AVATAR_PALETTE, avatarIndex, contrast } from './avatar';

describe('avatar colours', () => {
  it('every palette colour carries white initials at 4.5:1 or better', () => {
    for (const c of AVATAR_PALETTE) expect(contrast(c, '#ffffff'), c).toBeGreaterThanOrEqual(4.5);
  });

  it('palette colours are distinct from one another', () => {
    expect(new Set(AVATAR_PALETTE).size).toBe(AVATAR_PALETTE.length);
  });


  it('is deterministic and spreads ids that share a prefix', () => {
    const ids = Array.from({ length: 240 }, (_, i) => '0192f1c4-7a00-7000-8000-' + String(i).padStart(12, '0'));
    expect(ids.map(avatarIndex)).toEqual(ids.map(avatarIndex));
    const counts = new Array(AVATAR_PALETTE.length).fill(0);
    for (const id of ids) counts[avatarIndex(id)]++;
    for (const n of counts) expect(n).toBeGreaterThan(5); // 20 expected per colour
  });
});
