// Writes .gz and .br next to each compressible file of the build, so the Go
// server (and any CDN that honours them) can send them without compressing
// per request. index.html is skipped: the server rewrites it at start-up.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, extname, basename } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.svg', '.json', '.txt', '.map', '.html']);
const MIN_SIZE = 512; // bytes: smaller files gain nothing
const dir = process.argv[2] ?? 'dist';

function* walk(d) {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}

let n = 0;
for (const file of walk(dir)) {
  if (!COMPRESSIBLE.has(extname(file)) || basename(file) === 'index.html') continue;
  const body = readFileSync(file);
  if (body.length < MIN_SIZE) continue;
  const gz = gzipSync(body, { level: 9 });
  const br = brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
  if (gz.length < body.length) writeFileSync(file + '.gz', gz);
  if (br.length < body.length) writeFileSync(file + '.br', br);
  n++;
}
console.log(`compressed ${n} files in ${dir}`);
