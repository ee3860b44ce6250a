// Avatar colours: a fixed palette of 24, each dark enough for the white
// initials (contrast ≥ 4.5:1, WCAG AA for small text, in both themes: the
// initials are white in both), picked by a hash of the user id so a person
// keeps one colour everywhere, on every device. 24 rather than 12 halves
// the chance that two people share one; no per-screen tie-break re-colours
// anyone (it would depend on who else is shown, so a person's colour would
// change between screens and as history loads; the initials and name stay).

/** The initials' colour in each theme (styles.css .avatar). */
export const AVATAR_TEXT = { light: '#ffffff', dark: '#ffffff' } as const;

/** The palette (set through the style property, which the CSP allows: it is not an inline style attribute). */
export const AVATAR_PALETTE = [
  // Picked greedily, each as far as possible (CIE ΔE*76) from those before it, among hues
  // every 5° at three saturations and three depths that carry white at 4.5:1 or better.
  '#c41c1c',
  '#2a2ae1',
  '#138813',
  '#197cad',
  '#d61f99',
  '#5a451a',
  '#6c345a',
  '#7664d2',
  '#26836c',
  '#c023e0',
  '#c94667',
  '#ab6218',
  '#727b12',
  '#7a1384',
  '#0c5312',
  '#294d55',
  '#7e2c25',
  '#14468d',
  '#ad549e',
  '#5518a9',
  '#9e684c',
  '#275035',
  '#aa49ca',
  '#88134e',
] as const;

/** FNV-1a: ids that share a prefix (UUIDv7 carry the time first) still spread. */
export function hash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** avatarIndex is the palette entry of a user. */
export function avatarIndex(id: string): number {
  return hash(id) % AVATAR_PALETTE.length;
}

/** avatarColor is a user's background colour. */
export function avatarColor(id: string): string {
  return AVATAR_PALETTE[avatarIndex(id)];
}

/** contrast is the WCAG contrast ratio of two #rrggbb colours. */
export function contrast(a: string, b: string): number {
  const [la, lb] = [luminance(a), luminance(b)];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

function luminance(hex: string): number {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((x) => (x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4));
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}
