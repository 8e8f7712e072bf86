// What drivers and the screen detector need from a terminal session: RemoteSession (a session in the pty host) in
// the server, PtySession (in-process) in tests. Screen reads are asynchronous: the screen lives in the pty host's
// parser thread.
import type { ScreenState } from '../../ptyhost/protocol.js';

export type { ScreenState } from '../../ptyhost/protocol.js';

export interface TerminalSession {
  readonly pid: number;
  readonly exited: boolean;
  /** The output received so far (bytes), as this side knows it. */
  readonly outputBytes?: number;
  /** Terminal modes as of the parsed output (bracketed paste: DECSET 2004; application cursor keys: DECCKM). */
  readonly bracketedPasteEnabled: boolean;
  readonly applicationCursorKeys: boolean;
  write(data: string | Buffer): boolean;
  /** The viewport's lines, cursor and modes; with settle, once everything received so far is parsed. */
  screen(opts?: { settle?: boolean }): Promise<ScreenState>;
  whenParsed(): Promise<void>;
  /** Whether the latest output came right after a resize: the program redrawing for its viewers, not working. */
  viewOnlyOutput?(): boolean;
  /** 'data': output arrived; 'input': something was written; 'exit': the program ended. */
  on(event: 'data' | 'input' | 'exit', listener: (...args: any[]) => void): unknown;
  off(event: 'data' | 'input' | 'exit', listener: (...args: any[]) => void): unknown;
}
