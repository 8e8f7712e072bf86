#!/usr/bin/env node
// A minimal generic agent for state latency: shows "> "; on "a" prints a [y/N] question in one write and appends
// "<seq> <epoch ms when it was written>" to ASK_LOG; on "y"/"n" answers and shows the prompt again. CR is ignored.
// Run under `stty raw -echo`.
const fs = require('node:fs');
const log = process.env.ASK_LOG;
let seq = 0;
const out = (s) => { const b = Buffer.from(s); let o = 0; while (o < b.length) o += fs.writeSync(1, b, o); };
out('\x1b[1mask-agent ready\x1b[0m\r\n> ');
process.stdin.on('data', (d) => {
  for (const ch of d.toString('latin1')) {
    if (ch === 'a') {
      seq++;
      const t = performance.timeOrigin + performance.now();
      out(`\r\n\x1b[33mI want to edit 3 files.\x1b[0m (#${seq})\r\nProceed? [y/N] `);
      fs.appendFileSync(log, `${seq} ${t}\n`);
    } else if (ch === 'y' || ch === 'n') {
      out(`${ch}\r\n${ch === 'y' ? 'proceeded' : 'cancelled'}\r\n> `);
    }
  }
});
