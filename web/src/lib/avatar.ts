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
  // 16 hues 22.5° apart, as light as the contrast allows
  '#d23f3f', // red
  '#b45e2a', // orange
  '#8c7221', // ochre
  '#6e7a1d', // olive
  '#50821f', // leaf
  '#2c861f', // green
  '#1f8639', // emerald
  '#1f845e', // jade
  '#1e8080', // teal
  '#287aab', // blue
  '#4b6ed5', // cornflower
  '#6a5ad8', // indigo
  '#9554d7', // violet
  '#bc35d0', // purple
  '#cc30a5', // magenta
  '#d03972', // rose
  // 8 deep shades between them
  '#814031', // brick
  '#585421', // moss
  '#355c23', // forest
  '#235d3c', // pine
  '#265a65', // petrol
  '#3b419a', // navy
  '#72368e', // plum
  '#883363', // wine
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
