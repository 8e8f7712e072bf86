// npm start: build what is missing or stale, then serve. Arguments after `--` go to areyouj (e.g. npm start -- --port 4000).
import { buildIfNeeded, root } from './build-if-needed.mjs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

buildIfNeeded();
const mod = await import(pathToFileURL(path.join(root, 'dist/server/main.js')).href);
await mod.main(process.argv.slice(2));
