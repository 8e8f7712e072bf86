// npm pack (and publish) runs this first: a clean build of what the package ships. The dist/ folders listed in
// package.json's "files" are removed and built again (tsc for the server, vite for the web app), so a file whose source
// was deleted cannot linger in the tarball. The browser tests' own build (dist/web-test) is not shipped and is kept.
import fs from 'node:fs';
import path from 'node:path';
import { buildIfNeeded, root } from './build-if-needed.mjs';

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
for (const entry of pkg.files) {
  if (entry.startsWith('dist/')) fs.rmSync(path.join(root, entry), { recursive: true, force: true });
}
buildIfNeeded({ toStderr: true });
for (const entry of pkg.files) {
  if (entry.startsWith('dist/') && !fs.existsSync(path.join(root, entry))) {
    console.error(`prepack: ${entry} was not built`);
    process.exit(1);
  }
}
