// The `gemini` kind: Gemini CLI driven through its hooks (docs/gemini.md). The profile plugs Gemini's launch, hook
// mapping, transcript reader and dialog into the shared hook-driven driver.
import path from 'node:path';
import { entryTime, type CliProfile } from '../cli-profile.js';
import { mapGeminiHook, parseGeminiHook } from './hooks.js';
import { prepareGeminiLaunch } from './launch.js';
import {
  GEMINI_ENTER_GUARD_MS,
  GEMINI_INPUT_GUARD_MS,
  GEMINI_RESUBMIT_AFTER_MS,
  geminiComposerReady,
  geminiCompletionShown,
  geminiInputText,
  readGeminiDialog,
} from './respond.js';
import { GeminiTranscriptReader } from './transcript.js';

export const geminiProfile: CliProfile = {
  kind: 'gemini',
  name: 'Gemini CLI',
  launch: (o) => prepareGeminiLaunch({ ...o, userHome: undefined }),
  hook: (body, status) => {
    const p = parseGeminiHook(body);
    return p ? mapGeminiHook(p, { status }) : null;
  },
  transcript: () => {
    const reader = new GeminiTranscriptReader();
    return (e) => {
      const m = reader.push(e);
      return { messages: m.messages, at: entryTime(e), ...(m.cancelled ? { interrupted: true } : {}) };
    };
  },
  transcriptDir: (home) => path.join(home, '.gemini', 'tmp'),
  readDialog: readGeminiDialog,
  composerReady: (screen, resumed) => geminiComposerReady(screen, { resumed }),
  inputGuardMs: GEMINI_INPUT_GUARD_MS,
  enterGuardMs: GEMINI_ENTER_GUARD_MS,
  resubmit: { afterMs: GEMINI_RESUBMIT_AFTER_MS, inputText: geminiInputText },
  readyToSubmit: geminiCompletionShown,
  cancelledOnScreen: (screen) => screen.split('\n').filter((l) => /^\s*ℹ Request cancelled\./.test(l)).length,
};
