// Prettier (.prettierrc.json) on the files this branch adds (new since it left main, committed or not).
// `npm run format` writes them, `npm run format:check` checks them; `-- --all` takes the whole tree. The existing
// tree is not formatted yet: reformatting it while several branches are open would make every one of them conflict,
// so that is one commit to make once they have landed; until then only new files are held to the format.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const mode = args.includes('--write') ? '--write' : '--check';
const git = (...a) => execFileSync('git', a, { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);

let files = ['.'];
if (!args.includes('--all')) {
  const base = args.find((a) => a.startsWith('--base='))?.slice(7) ?? git('merge-base', 'HEAD', 'main')[0];
  const changed = new Set([...git('diff', '--name-only', '--diff-filter=A', base), ...git('ls-files', '--others', '--exclude-standard')]);
  files = [...changed].filter((f) => /\.(ts|tsx|js|mjs|cjs|json|css|html)$/.test(f) && fs.existsSync(path.join(root, f)));
  if (!files.length) {
    console.log('format: no new files');
    process.exit(0);
  }
}
const r = spawnSync(process.execPath, [path.join(root, 'node_modules/prettier/bin/prettier.cjs'), mode, '--ignore-unknown', ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
