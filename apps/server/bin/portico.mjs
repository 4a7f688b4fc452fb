#!/usr/bin/env node
// The `portico` command: runs the compiled server (dist/portico.js, made by `npm run build`; `npm
// start` builds it when it is missing or older than its sources). No TypeScript loader at run
// time, so nothing depends on the working directory or a tsconfig lookup.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/portico.js', import.meta.url);
if (!existsSync(entry)) {
  console.error(
    'portico: the server is not built (dist/portico.js is missing). From a clone, run `npm run build` or `npm start`, which builds it first.',
  );
  process.exit(1);
}
process.setSourceMapsEnabled(true);
await import(entry.href);
