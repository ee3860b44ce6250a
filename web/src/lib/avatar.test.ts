import { describe, expect, it } from 'vitest';
import { AVATAR_PALETTE, AVATAR_TEXT, avatarIndex, contrast } from './avatar';

/** CIE L*a*b* of a #rrggbb colour (D65), for telling palette entries apart. */
function lab(hex: string): [number, number, number] {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((x) => (x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4));
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const [x, y, z] = [(0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b, (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883].map(f);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}

describe('avatar colours', () => {
  it.each(Object.entries(AVATAR_TEXT))('every palette colour carries the initials at 4.5:1 or better (%s theme)', (_, text) => {
    for (const c of AVATAR_PALETTE) expect(contrast(c, text), c).toBeGreaterThanOrEqual(4.5);
  });

  it('has 24 colours, every two of them clearly apart (ΔE*76 ≥ 20)', () => {
    expect(AVATAR_PALETTE).toHaveLength(24);
    for (let i = 0; i < AVATAR_PALETTE.length; i++)
      for (let j = i + 1; j < AVATAR_PALETTE.length; j++) {
        const [a, b] = [lab(AVATAR_PALETTE[i]), lab(AVATAR_PALETTE[j])];
        expect(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]), `${AVATAR_PALETTE[i]} ${AVATAR_PALETTE[j]}`).toBeGreaterThanOrEqual(20);
      }
  });

  it('is deterministic and spreads ids that share a prefix', () => {
    const ids = Array.from({ length: 480 }, (_, i) => '0192f1c4-7a00-7000-8000-' + String(i).padStart(12, '0'));
    expect(ids.map(avatarIndex)).toEqual(ids.map(avatarIndex));
    const counts = new Array(AVATAR_PALETTE.length).fill(0);
    for (const id of ids) counts[avatarIndex(id)]++;
    for (const n of counts) expect(n).toBeGreaterThan(7); // 20 expected per colour
  });
});
