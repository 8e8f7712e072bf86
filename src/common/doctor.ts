// `areyouj doctor --json`: the report's shape (documented in docs/cli.md). Scripts may rely on it: fields are only ever
// added, and a check's id never changes meaning.
import { z } from 'zod';

export const CHECK_STATUSES = ['ok', 'warn', 'fail'] as const;

export const DoctorCheck = z.strictObject({
  /** Stable identifier: node, better-sqlite3, node-pty, cli:<name>, home, agents.db, dir:logs, dir:run, dir:worktrees, server, port. */
  id: z.string(),
  /** What is checked, in words. */
  title: z.string(),
  /** A required check that fails means AreYouJ cannot run as asked; an optional one only warns. */
  required: z.boolean(),
  /** ok; warn (works, but something is missing or could be better); fail (required checks only). */
  status: z.enum(CHECK_STATUSES),
  /** What was found. */
  detail: z.string(),
  /** What to do about it (absent when status is ok). */
  fix: z.string().optional(),
  /** The version found (Node.js, SQLite, a CLI, a database's schema). */
  version: z.string().optional(),
  /** The file the check is about (a CLI's executable, a database, a directory). */
  path: z.string().optional(),
});
export type DoctorCheck = z.infer<typeof DoctorCheck>;

export const DoctorReport = z.strictObject({
  /** True when no required check failed (the exit code is then 0, otherwise 1). */
  ok: z.boolean(),
  /** This AreYouJ's package version and the agents.db schema version it writes. */
  version: z.string(),
  schemaVersion: z.number().int(),
  home: z.string(),
  platform: z.string(),
  checks: z.array(DoctorCheck),
});
export type DoctorReport = z.infer<typeof DoctorReport>;
