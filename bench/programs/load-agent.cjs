#!/usr/bin/env node
// A fake agent under load: after the first input byte ("go"), prints CHUNK bytes of coloured log lines every
// INTERVAL_MS for DURATION_MS (about 10 KB/s by default), then writes {bytes, sha1} of everything it wrote to
// STATS_DIR/<instance id>.json and exits 0. Run under `stty raw -echo` so the bytes written are the bytes the terminal sees.
const fs = require('node:fs');
const crypto = require('node:crypto');
const duration = Number(process.env.DURATION_MS ?? 60000);
const interval = Number(process.env.INTERVAL_MS ?? 100);
const chunk = Number(process.env.CHUNK ?? 1024);
const tag = process.env.AREYOUJ_INSTANCE_ID ?? String(process.pid);
const statsFile = require('node:path').join(process.env.STATS_DIR, `${tag}.json`);
const hash = crypto.createHash('sha1');
let bytes = 0, seq = 0, t0 = 0;

function line() {
  seq++;
  return `\x1b[36m${tag}\x1b[0m #${seq} \x1b[32mstep\x1b[0m editing src/file${seq % 13}.ts: ${'·'.repeat(seq % 20)}\r\n`;
}
let tick = function () {
  let s = '';
  while (Buffer.byteLength(s) < chunk) s += line();
  const b = Buffer.from(s);
  let off = 0;
  while (off < b.length) off += fs.writeSync(1, b, off);
  hash.update(b);
  bytes += b.length;
  if (Date.now() - t0 >= duration) {
    fs.writeFileSync(statsFile, JSON.stringify({ bytes, lines: seq, sha1: hash.digest('hex') }));
    // Linger a little: bytes lost here are the relay's, not the exit race (measured separately in bench 1).
    setTimeout(() => process.exit(0), Number(process.env.LINGER_MS ?? 300));
    tick = () => {};
  }
};
process.stdin.once('data', () => {
  t0 = Date.now();
  tick();
  setInterval(() => tick(), interval);
});
