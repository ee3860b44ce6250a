// The unread count on the tab's icon: the icon is drawn on a canvas with a
// red badge and set as a data: URL (the CSP allows data: images); at zero
// the original icon comes back. The title carries the same count in text.

/** badgeText is what the badge shows: the count, "99+" past 99, nothing at zero. */
export function badgeText(n: number): string {
  if (n <= 0) return '';
  return n > 99 ? '99+' : String(n);
}

const SIZE = 64;
let original: string | null = null;
let image: Promise<HTMLImageElement> | null = null;
let drawn = '';

function iconLink(): HTMLLinkElement | null {
  return document.querySelector<HTMLLinkElement>('link[rel="icon"]');
}

function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = reject;
    img.src = src;
  });
}

/** setFaviconBadge draws n on the tab icon, or restores the icon at zero. */
export async function setFaviconBadge(n: number): Promise<void> {
  const link = iconLink();
  if (!link) return;
  original ??= link.getAttribute('href');
  const text = badgeText(n);
  if (text === drawn) return;
  drawn = text;
  if (!text || !original) {
    if (original) link.href = original;
    delete link.dataset.badge;
    return;
  }
  try {
    image ??= loadImage(original);
    const img = await image;
    if (drawn !== text) return; // a newer count came while the icon loaded
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = SIZE;
    const g = canvas.getContext('2d');
    if (!g) return;
    g.drawImage(img, 0, 0, SIZE, SIZE);
    const r = text.length > 2 ? 22 : 19;
    g.fillStyle = '#c4151c'; // white text on it: 6.0:1
    g.beginPath();
    g.arc(SIZE - r, r, r, 0, 2 * Math.PI);
    g.fill();
    g.fillStyle = '#ffffff';
    g.font = `bold ${text.length > 2 ? 20 : text.length > 1 ? 26 : 32}px system-ui, sans-serif`;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(text, SIZE - r, r + 2);
    link.href = canvas.toDataURL('image/png');
    link.dataset.badge = text;
  } catch {
    // No canvas or the icon did not load: the title still counts.
  }
}
