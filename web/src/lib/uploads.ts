// Files sent with messages: the upload itself (XMLHttpRequest, for its
// progress events), sizes for people, and which files show as a preview.

import { ApiError } from './api';
import { locale, t } from './strings';
import type { Upload } from './types';

/** A message takes at most this many files (the server's limit). */
export const MAX_ATTACHMENTS = 10;

/** The few parts of XMLHttpRequest an upload uses (a fake in tests). */
export interface Xhr {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: Blob): void;
  abort(): void;
  withCredentials: boolean;
  status: number;
  responseText: string;
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

export interface UploadTarget {
  /** The API's origin ('' for the page's own). */
  base: string;
  /** A bearer token when the API is on another origin, else null (the cookie goes). */
  token: string | null;
}

/** An upload on its way: done settles with the stored file; abort cancels it (done rejects with status 0, code "aborted"). */
export interface Sending {
  done: Promise<Upload>;
  abort(): void;
}

/**
 * sendFile uploads one file as a raw body (POST /api/v1/uploads?name=…),
 * reporting progress from 0 to 1. A refusal rejects with the server's
 * ApiError (413: too large or over quota).
 */
export function sendFile(to: UploadTarget, file: File, onProgress: (fraction: number) => void, newXhr: () => Xhr = () => new XMLHttpRequest() as unknown as Xhr): Sending {
  const xhr = newXhr();
  const done = new Promise<Upload>((resolve, reject) => {
    xhr.open('POST', to.base + '/api/v1/uploads?name=' + encodeURIComponent(file.name));
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.setRequestHeader('Accept', 'application/json');
    if (to.token) xhr.setRequestHeader('Authorization', 'Bearer ' + to.token);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(Math.min(1, e.loaded / e.total));
    };
    xhr.onload = () => {
      let data: any = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        // not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300 && data?.upload) {
        onProgress(1);
        resolve(data.upload as Upload);
        return;
      }
      const e = data?.error ?? {};
      reject(new ApiError(xhr.status, e.code ?? 'http_' + xhr.status, e.message ?? 'Upload failed', e.field));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', t.cannotReachServer));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'aborted'));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

/** uploadError: what to tell the person about a failed upload. */
export function uploadError(e: unknown, name: string): string {
  if (e instanceof ApiError && e.status === 413) return t.uploadTooLarge(name);
  if (e instanceof ApiError && e.status !== 0 && e.message) return e.message;
  return t.uploadFailed(name);
}

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;

/** formatSize: 532 bytes, 1.2 kB, 3.4 MB… in the current language (units of 1000, as file managers show). */
export function formatSize(bytes: number, lang: string = locale): string {
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return new Intl.NumberFormat(lang, { style: 'unit', unit: UNITS[i], unitDisplay: i === 0 ? 'long' : 'short', maximumFractionDigits: i === 0 ? 0 : 1 }).format(v);
}

/** hasPreview: an image the server made a thumbnail of shows as a picture; anything else as a card. */
export function hasPreview(u: Upload): boolean {
  return u.content_type.startsWith('image/') && !!u.thumb_url;
}

/** fileUrl: a file's address, on the API's origin when the server gave a path. */
export function fileUrl(base: string, url: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(url) ? url : base + url;
}
