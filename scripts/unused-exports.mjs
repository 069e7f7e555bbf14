#!/usr/bin/env node
// No unused exports: every value a module under src/ exports (function, const, class, enum) is named by another
// file, in src/ or in what runs the build (test/, bench/, scripts/, bin/, fuzz/: they import dist/, so tools that
// follow imports, such as knip, cannot see those uses). Types are left out: a type in an exported signature is
// exported for the reader. Prints each unused export and exits 1 when there is one.
import {existsSync, readFileSync, readdirSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const files = (dir, re) =>
  existsSync(path.join(ROOT, dir))
    ? readdirSync(path.join(ROOT, dir), {recursive: true, withFileTypes: true})
        .filter((e) => e.isFile() && re.test(e.name) && !(e.parentPath ?? e.path).includes('node_modules'))
        .map((e) => path.relative(ROOT, path.join(e.parentPath ?? e.path, e.name)))
    : [];
const src = files('src', /\.ts$/);
const readers = [...src, ...['test', 'bench', 'scripts', 'bin', 'fuzz'].flatMap((d) => files(d, /\.(mjs|js)$/))];
const text = new Map(readers.map((f) => [f, readFileSync(path.join(ROOT, f), 'utf8')]));
const unused = [];
for (const f of src) {
  for (const m of text.get(f).matchAll(/^export (?:async )?(?:function\*?|const|let|class|enum) ([A-Za-z_$][\w$]*)/gm)) {
    const word = new RegExp(`(?<![\\w$])${m[1].replace(/\$/g, '\\$')}(?![\\w$])`);
    if (!readers.some((r) => r !== f && word.test(text.get(r)))) unused.push(`${f}: ${m[1]} is exported but used nowhere else`);
  }
}
for (const u of unused) console.log(u);
process.exit(unused.length ? 1 : 0);
