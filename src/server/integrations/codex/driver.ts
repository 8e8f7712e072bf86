// The `codex` kind: Codex CLI driven through its hooks (docs/codex.md). The profile plugs Codex's launch, hook
// mapping, rollout reader and dialog into the shared hook-driven driver.
import path from 'node:path';
import { entryTime, type CliProfile } from '../cli-profile.js';
import { mapCodexHook, parseCodexHook } from './hooks.js';
import { prepareCodexLaunch } from './launch.js';
import { CODEX_CLEAR_INPUT, CODEX_INPUT_GUARD_MS, codexComposerReady, readCodexDialog } from './respond.js';
import { mapRolloutEntry } from './rollout.js';

export const codexProfile: CliProfile = {
  kind: 'codex',
  name: 'Codex',
  launch: (o) => prepareCodexLaunch({ ...o, userHome: undefined }),
  hook: (body, status) => {
    const p = parseCodexHook(body);
    return p ? mapCodexHook(p, { status }) : null;
  },
  transcript: () => (e) => {
    const m = mapRolloutEntry(e);
    return {
      messages: m.messages,
      at: entryTime(e),
      ...(m.aborted ? { interrupted: true } : {}),
      ...(m.turnComplete?.turnId || m.aborted?.turnId ? { turnComplete: (m.turnComplete?.turnId ?? m.aborted?.turnId)! } : {}),
    };
  },
  transcriptDir: (home) => path.join(home, 'sessions'),
  readDialog: readCodexDialog,
  composerReady: (screen) => codexComposerReady(screen),
  inputGuardMs: CODEX_INPUT_GUARD_MS,
  enterGuardMs: 0,
  clearInput: CODEX_CLEAR_INPUT,
};
