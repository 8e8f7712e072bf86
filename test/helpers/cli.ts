// The `areyouj` command as a child process (the built server through bin/areyouj.js, as installed): its output,
// its exit, and the URL it prints once it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const BIN = path.resolve(import.meta.dirname, '../../bin/areyouj.js');

export interface CliRun {
  child: ChildProcess;
  /** Resolves with the exit code (null after a signal). */
  exited: Promise<number | null>;
  /** Resolves with the exit code once the output is read to its end too. */
  closed: Promise<number | null>;
  /** Resolves with the first match of `re` in stdout; rejects if the command exits first. */
  waitOut(re: RegExp): Promise<RegExpExecArray>;
  /** The URL from "listening on <url>". */
  url(): Promise<string>;
  out(): string;
  err(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Runs `areyouj ...args` (or `file ...args` when `file` is given, e.g. an installed bin). */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; file?: string } = {}): CliRun {
  const [cmd, argv] = opts.file ? [opts.file, args] : [process.execPath, [BIN, ...args]];
  const child = spawn(cmd, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const closed = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const waitOut = (re: RegExp) => new Promise<RegExpExecArray>((resolve, reject) => {
    const check = () => { const m = re.exec(out); if (m) resolve(m); };
    check();
    child.stdout!.on('data', check);
    void exited.then(() => { check(); reject(new Error(`areyouj exited before printing ${re}:\n${out}\n${err}`)); });
  });
  return {
    child, exited, closed, waitOut, out: () => out, err: () => err,
    url: () => waitOut(/listening on (http:\/\/\S+)/).then((m) => m[1]),
    stop: async () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM'); return exited; },
  };
}

/** `areyouj <args>` to its end: exit code, stdout, stderr. */
export async function runCliToEnd(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; file?: string } = {}) {
  const r = runCli(args, opts);
  const code = await r.closed;
  return { code, stdout: r.out(), stderr: r.err() };
}
