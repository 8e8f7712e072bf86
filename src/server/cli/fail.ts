/** Ends a command with a readable message and exit code 2 (a usage error). */
export function fail(msg: string): never {
  process.stderr.write(`areyouj: ${msg}\n(see areyouj --help)\n`);
  process.exit(2);
}
