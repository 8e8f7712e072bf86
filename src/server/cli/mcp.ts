// `areyouj mcp [--project DIR]`: the task tools of one project over stdio, for any agent that speaks MCP (Codex,
// Gemini CLI, Claude Code outside AreYouJ…). It writes <project>/docs/tasks.db itself, with the same checks as the
// server; a running server sees those commits through its watcher and announces them as `tasks.changed`.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { readVersion } from '../config.js';
import { EventBus } from '../events/bus.js';
import { createTaskMcpServer } from '../mcp/tools.js';
import { TaskService } from '../tasks/service.js';
import { fail } from './fail.js';

export const MCP_HELP = `Usage: areyouj mcp [--project DIR]

Serves the task board of DIR (default: the working directory; its docs/tasks.db, created on the first write) as MCP
tools over stdio: list_tasks, get_task, create_task, add_subtask, update_task. Add it to an agent, e.g.
  claude mcp add areyouj-tasks -- areyouj mcp --project "$PWD"
  codex mcp add areyouj-tasks -- areyouj mcp --project "$PWD"
  gemini mcp add areyouj-tasks areyouj mcp --project "$PWD"
`;

export async function run(argv: string[]): Promise<number | void> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { project: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (e) { fail((e as Error).message); }
  if (values.help) { process.stdout.write(MCP_HELP); return 0; }
  const tasks = new TaskService(process.cwd(), new EventBus());
  let project: string;
  try { project = tasks.resolveProject(path.resolve(values.project ?? process.cwd())); } catch (e) { fail((e as Error).message); }
  const server = createTaskMcpServer({ project, tasks, version: readVersion() });
  const transport = new StdioServerTransport();
  // stdout is the protocol: nothing else may be written there. The process ends when the client closes stdin.
  const done = new Promise<void>((resolve) => { transport.onclose = () => resolve(); process.stdin.once('end', () => resolve()); });
  await server.connect(transport);
  await done;
  await server.close();
  tasks.close();
  return 0;
}
