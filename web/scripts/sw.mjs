// Writes dist/sw.js from sw.template.js: the list of files the worker
// caches (index.html, config, manifest, icons and every hashed asset) and a
// version that changes whenever one of them does, so each build is a new
// worker that the open pages are offered to reload into.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const dir = process.argv[2] ?? 'dist';
const skip = /\.(br|gz)$|^sw\.js$|^index\.html$/;

function* walk(d) {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}

const files = [...walk(dir)].map((p) => relative(dir, p).split(sep).join('/')).filter((f) => !skip.test(f.split('/').pop())).sort();
const hash = createHash('sha256');
for (const f of ['index.html', ...files]) hash.update(f + '\0').update(readFileSync(join(dir, f)));
const shell = ['/', '/config.json', ...files.map((f) => '/' + f)];
const version = hash.digest('hex').slice(0, 16);
const out = readFileSync(new URL('../sw.template.js', import.meta.url), 'utf8').replace("'__VERSION__'", JSON.stringify(version)).replace('__SHELL__', JSON.stringify(shell));
writeFileSync(join(dir, 'sw.js'), out);
console.log(`sw.js: version ${version}, ${shell.length} files`);
