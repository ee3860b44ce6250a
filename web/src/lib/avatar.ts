// Avatar colours: a fixed palette, each dark enough for white initials
// (contrast ≥ 4.5:1, WCAG AA for small text), picked by a hash of the user
// id so a person keeps one colour everywhere, on every device.

/** The palette (set through the style property, which the CSP allows: it is not an inline style attribute). */
export const AVATAR_PALETTE = [
  '#cf4033', // red
  '#a76227', // amber
  '#84731f', // olive
  '#47801e', // green
  '#1f8265', // teal
  '#2b77b8', // blue
  '#455dd3', // indigo
  '#9845d3', // purple
  '#c02fc6', // magenta
  '#cc3098', // pink
  '#8a5a44', // brown
  '#56677a', // slate
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
