#!/usr/bin/env node
// The `backbeat` command. It runs the compiled server in dist/ (`npm run build`).
//
// In a development checkout (src/ present and tsx installed) it runs the TypeScript sources through tsx instead when
// dist/ is missing or older than any file under src/, so commands and tests always run the code as it is now.
// Without tsx (a production install) a missing dist/ is an error that says to build, and an outdated one runs with a
// warning.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = join(root, 'dist', 'cli.js');
const sources = join(root, 'src');

/** Newest modification time (ms) of the files under `dir` that the server build reads; 0 when there is no `dir`. */
function newestSource(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function tsxAvailable() {
  try {
    return existsSync(fileURLToPath(import.meta.resolve('tsx/esm/api')));
  } catch {
    return false;
  }
}

const builtAt = existsSync(compiled) ? statSync(compiled).mtimeMs : 0;
const outdated = builtAt > 0 && newestSource(sources) > builtAt;
let entry = compiled;

if (builtAt === 0 || outdated) {
  if (existsSync(join(sources, 'cli.ts')) && tsxAvailable()) {
    const { register } = await import('tsx/esm/api');
    register();
    entry = join(sources, 'cli.ts');
  } else if (builtAt === 0) {
    process.stderr.write(
      `backbeat: the server is not built (${compiled} is missing).\n` +
        `Run \`npm run build\` in ${root} first (it needs the dev dependencies: \`npm ci\`).\n`,
    );
    process.exit(1);
  } else {
    process.stderr.write('backbeat: warning: dist/ is older than src/; run `npm run build` to use the current code.\n');
  }
}

// The command line is parsed here, once: while the module loads, argv[1] names no script it would start itself for.
const invokedAs = process.argv[1];
process.argv[1] = '';
const { createProgram } = await import(pathToFileURL(entry).href);
process.argv[1] = invokedAs;
await createProgram().parseAsync(process.argv);
