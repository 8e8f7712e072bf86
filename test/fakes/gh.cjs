#!/usr/bin/env node
// A stand-in for the GitHub CLI (GitHub is outside this machine): `gh --version`, `gh auth status` (signed in unless
// FAKE_GH_SIGNED_OUT=1) and `gh pr create …`, which records its arguments and working directory in FAKE_GH_LOG
// and prints a pull request URL, as gh does.
const fs = require('node:fs');
const args = process.argv.slice(2);
if (args[0] === '--version') { console.log('gh version 2.99.0 (fake)'); process.exit(0); }
if (args[0] === 'auth' && args[1] === 'status') {
  if (process.env.FAKE_GH_SIGNED_OUT === '1') { console.error('You are not logged into any GitHub hosts. Run gh auth login to authenticate.'); process.exit(1); }
  console.error('github.com\n  ✓ Logged in to github.com account fake (keyring)');
  process.exit(0);
}
if (args[0] === 'pr' && args[1] === 'create') {
  if (process.env.FAKE_GH_LOG) fs.appendFileSync(process.env.FAKE_GH_LOG, JSON.stringify({ cwd: process.cwd(), args }) + '\n');
  console.log('Creating pull request for feature into main in fake/repo\n');
  console.log('https://github.com/fake/repo/pull/7');
  process.exit(0);
}
console.error(`fake gh: unknown command ${args.join(' ')}`);
process.exit(2);
