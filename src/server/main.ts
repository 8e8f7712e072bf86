// The `areyouj` command: `areyouj [serve] [options]` starts the server; `areyouj <command>` runs one of COMMANDS.
// Each command lives in its own module under cli/ and is loaded only when it runs.
import { pathToFileURL } from 'node:url';
import { fail } from './cli/fail.js';
import { serve, SERVE_HELP } from './cli/serve.js';

export interface Command {
  /** One line for `areyouj --help`. */
  summary: string;
  /** Runs the command with the arguments after its name; resolves to the exit code (undefined: 0, or keep running). */
  run(argv: string[]): Promise<number | void>;
}

/** Subcommands other than `serve`. Add one here: a name, a summary and a lazily imported module. */
export const COMMANDS: Record<string, Command> = {
  doctor: { summary: 'check what AreYouJ needs on this machine and in this home (--json for scripts)', run: async (argv) => (await import('./cli/doctor.js')).doctor(argv) },
  stop: { summary: 'stop the server (--all: and every agent, and the pty host)', run: async (argv) => (await import('./cli/stop.js')).stop(argv) },
  token: {
    summary: 'show the token and the URL that logs a browser in; --rotate makes a new one and ends every session',
    run: async (argv) => (await import('./cli/token.js')).tokenCommand(argv),
  },
  'import-legacy': { summary: "bring the original AreYouJ's projects and queues into this home", run: async (a) => (await import('./cli/import-legacy.js')).run(a) },
  mcp: { summary: "serve a project's task board as MCP tools over stdio (for agents)", run: async (a) => (await import('./cli/mcp.js')).run(a) },
};

function help(): string {
  const names = Object.keys(COMMANDS).sort();
  const width = Math.max(5, ...names.map((n) => n.length)) + 2;
  return `${SERVE_HELP}\nCommands:\n  ${'serve'.padEnd(width)}start the server (the default)\n${names.map((n) => `  ${n.padEnd(width)}${COMMANDS[n].summary}\n`).join('')}`;
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith('-')) return serve(argv, help());
  if (first === 'serve') return serve(rest, help());
  const cmd = COMMANDS[first];
  if (!cmd) fail(`unknown command ${JSON.stringify(first)}`);
  const code = await cmd.run(rest);
  if (typeof code === 'number') process.exit(code);
}

// Run when executed directly (node dist/server/main.js, tsx src/server/main.ts), not when imported.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
