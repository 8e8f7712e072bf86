// `areyouj import-legacy <path> [--home DIR]`: brings the original AreYouJ's settings and queues into this home's
// agents.db (see projects/legacy.ts). Safe while a server runs on the same home (SQLite, one transaction); that server
// shows the new agents at its clients' next load.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openAgentsDb } from '../agents/db.js';
import { AgentStore } from '../agents/store.js';
import { DomainError } from '../errors.js';
import { InstanceStore } from '../instances/store.js';
import { importLegacy } from '../projects/legacy.js';
import { ProjectStore } from '../projects/store.js';
import { fail } from './fail.js';

export const IMPORT_HELP = `Usage: areyouj import-legacy <path of the original AreYouJ checkout> [--home DIR]

Imports settings.json's project home and recent paths as projects, and each project's message queue
(server/data/queues/<hash>/queue.json) as a Claude Code agent: finished messages become its history,
pending and interrupted ones its queue (sent when you start it). Running it again adds nothing.
  --home DIR   the AreYouJ home to import into (default: the working directory)
`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { home: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) { fail((e as Error).message); }
  if (parsed.values.help) { process.stdout.write(IMPORT_HELP); return 0; }
  if (parsed.positionals.length !== 1) fail('give one path: the original AreYouJ checkout');
  const db = openAgentsDb(parsed.values.home ?? process.cwd());
  try {
    const { report } = importLegacy({ db, agents: new AgentStore(db), instances: new InstanceStore(db), projects: new ProjectStore(db) },
      path.resolve(parsed.positionals[0]));
    const out: string[] = [`Imported from ${report.source}${report.changed ? '' : ' (nothing new: imported before)'}`];
    for (const p of report.projects) out.push(`  project ${p.path}${p.added ? ' (added)' : ''}${p.exists ? '' : ' — not on this machine'}`);
    for (const a of report.agents) {
      out.push(`  agent "${a.agentName}" for ${a.project}${a.created ? ' (new)' : ''}: ${a.history} history and ${a.queued} queued messages added`);
    }
    for (const s of report.skipped) out.push(`  skipped ${s.path}: ${s.reason}`);
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } catch (e) {
    if (e instanceof DomainError) { process.stderr.write(`areyouj: ${e.message}\n`); return 1; }
    throw e;
  } finally { db.close(); }
}
