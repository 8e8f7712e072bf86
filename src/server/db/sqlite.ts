import Database from 'better-sqlite3';

export type DB = Database.Database;

/** Opens a SQLite file the way every connection here must be opened: WAL, a busy timeout, foreign keys on. */
export function openSqlite(file: string, opts: { readonly?: boolean; fileMustExist?: boolean } = {}): DB {
  const db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.fileMustExist ?? false });
  db.pragma('busy_timeout = 5000');
  if (!opts.readonly) db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  return db;
}
