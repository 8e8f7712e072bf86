#!/usr/bin/env node
// Prints LINES (default 10,000) coloured lines of build-log-like text, then the prompt "READY> " and waits.
const fs = require('node:fs');
const n = Number(process.env.LINES_COUNT ?? 10000);
const colors = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94];
let buf = '';
for (let i = 1; i <= n; i++) {
  const c = colors[i % colors.length];
  buf += `\x1b[2m${String(i).padStart(5, '0')}\x1b[0m \x1b[${c}m${i % 7 === 0 ? 'WARN' : 'INFO'}\x1b[0m compiled \x1b[1msrc/module-${i % 97}.ts\x1b[0m in ${i % 50} ms \x1b[38;5;${i % 256}m●\x1b[0m\r\n`;
  if (buf.length > 64 * 1024) { fs.writeSync(1, buf); buf = ''; }
}
fs.writeSync(1, buf + 'READY> ');
process.stdin.resume(); // waits until killed
