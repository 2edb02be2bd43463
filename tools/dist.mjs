// Steps of `npm run build:server` around `tsc -p tsconfig.build.json`:
//   node tools/dist.mjs clean    removes dist/, so no file of a deleted source lingers in the build
//   node tools/dist.mjs assets   copies the files the server reads at run time that tsc does not emit (the SQL
//                                migrations and their meta/ journal) to the same place under dist/
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('..', import.meta.url);
const at = (path) => fileURLToPath(new URL(path, root));
const ASSETS = ['db/migrations'];

const step = process.argv[2];
if (step === 'clean') {
  rmSync(at('dist'), { recursive: true, force: true });
} else if (step === 'assets') {
  for (const dir of ASSETS) cpSync(at(`src/${dir}`), at(`dist/${dir}`), { recursive: true });
} else {
  process.stderr.write('usage: node tools/dist.mjs clean|assets\n');
  process.exit(2);
}
