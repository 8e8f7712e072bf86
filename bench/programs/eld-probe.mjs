// Preloaded into the server under test (node --import): samples its event-loop delay. On SIGUSR2 it writes the
// histogram since the last signal to $ELD_FILE as JSON (ms) and starts a new one. Bench use only.
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.ELD_FILE;
if (file) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  process.on('SIGUSR2', () => {
    const ms = (ns) => ns / 1e6;
    fs.writeFileSync(file, JSON.stringify({ p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean), n: h.count }));
    h.reset();
  });
}
