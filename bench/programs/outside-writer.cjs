#!/usr/bin/env node
// Another program writing tasks.db, the way agents do: `sqlite3 <db> "UPDATE …"` in a loop (a new process and
// connection per statement) until DURATION_MS has passed; prints how many statements it ran (and failed).
const { execFileSync } = require('node:child_process');
const [db, durationMs, maxId] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const t0 = Date.now();
let ok = 0, failed = 0;
while (Date.now() - t0 < durationMs) {
  const id = 1 + Math.floor(Math.random() * maxId);
  try {
    execFileSync('sqlite3', ['-cmd', '.timeout 5000', db, `UPDATE tasks SET notes = 'outside ${ok}', updated_at = CURRENT_TIMESTAMP WHERE id = '${id}'`], { stdio: 'ignore' });
    ok++;
  } catch { failed++; }
}
process.stdout.write(JSON.stringify({ ok, failed, perSecond: ok / (durationMs / 1000) }) + '\n');
