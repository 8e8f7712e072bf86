// What a hook-driven agent integration (Codex CLI, Gemini CLI) tells the driver about one hook event or one
// transcript entry. Pure data: the mapping functions produce it, the drivers apply it.
import { createHash } from 'node:crypto';
import path from 'node:path';
import fs from 'node:fs';
import type { NewMessage } from '../instances/store.js';

export type ApprovalChoice = 'allow' | 'allow_always' | 'deny';

/** One option of a CLI's approval dialog, as the dialog offers it. `key` is the digit that selects and confirms it. */
export interface ApprovalOption {
  key: string;
  number: number;
  label: string;
  /** The letter shown beside it, e.g. Codex's "(y)" / "(p)" / "(esc)". */
  shortcut?: string;
  choice?: ApprovalChoice;
}

/** A tool call waiting for the user's approval. */
export interface ApprovalRequest {
  /** The CLI's tool name (Codex: "Bash"; Gemini: "Shell"). */
  tool: string;
  /** The shell command, when the tool runs one. */
  command: string | null;
  /** A one-line description for lists and notifications. */
  summary: string;
  /** The options the dialog offers; from the hook these are the CLI's usual ones, the screen has the exact set. */
  options: ApprovalOption[];
  /** Stable per request, so a repeated hook stores one question. */
  externalKey: string;
}

export interface AgentEffects {
  status?: 'idle' | 'active' | 'awaiting_input';
  reason?: string;
  /** Messages to store, each with an externalKey (stored once however often they are reported). */
  messages?: NewMessage[];
  approval?: ApprovalRequest;
  /** The CLI's session id and transcript file (from the hook payload; check the path before following it). */
  sessionId?: string;
  transcriptPath?: string;
  /** The turn ended normally; `reply` is its final text when the hook carries it, `turnId` the CLI's id of the turn (ended or interrupted). */
  turnEnded?: boolean;
  reply?: string;
  turnId?: string;
  /** The turn ended without finishing: a denied approval or Esc/Ctrl-C. */
  interrupted?: boolean;
  /** The CLI's session is over (it is exiting); the process exit decides completed/error. */
  sessionEnded?: boolean;
}

export const shortHash = (v: unknown) =>
  createHash('sha1')
    .update(JSON.stringify(v ?? null))
    .digest('hex')
    .slice(0, 12);

export const oneLine = (s: string, max = 200) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/**
 * Whether a transcript path reported by a hook may be followed: a .jsonl file inside `dir` (after resolving
 * symlinks as far as they exist). Hook payloads are untrusted: without this an agent could have the server
 * read any file into the conversation.
 */
export function transcriptInside(dir: string, file: string | null | undefined): boolean {
  if (!file || typeof file !== 'string' || !path.isAbsolute(file) || !file.endsWith('.jsonl')) return false;
  const real = (p: string) => {
    const parts: string[] = [];
    let cur = path.resolve(p);
    for (;;) {
      try {
        return path.join(fs.realpathSync(cur), ...parts.reverse());
      } catch {
        /* not there yet */
      }
      const up = path.dirname(cur);
      if (up === cur) return path.resolve(p);
      parts.push(path.basename(cur));
      cur = up;
    }
  };
  const base = real(dir);
  const rel = path.relative(base, real(file));
  return !!rel && !rel.startsWith('..') && !path.isAbsolute(rel);
}
