#!/usr/bin/env node
// The installed command: runs the built server (npm run build, or npm start which builds what it needs).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = fileURLToPath(new URL('../dist/server/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('areyouj: the server is not built; run `npm run build` (or `npm start`) in the package directory first\n');
  process.exit(1);
}
const mod = await import(pathToFileURL(main).href);
await mod.main(process.argv.slice(2));
