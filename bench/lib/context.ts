// What every benchmark gets: the mode and a logger.
export type Mode = 'full' | 'quick' | 'smoke';

export interface BenchContext {
  mode: Mode;
  log(msg: string): void;
  /** Picks the parameter for the current mode. */
  pick<T>(v: { full: T; quick: T; smoke: T }): T;
}

export function makeContext(mode: Mode, log: (m: string) => void): BenchContext {
  return { mode, log, pick: (v) => v[mode] };
}
