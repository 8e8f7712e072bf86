// Launching Gemini CLI as a gemini-kind instance: a per-instance GEMINI_CLI_HOME made by AreYouJ under
// <home>/docs/run/gemini/<instanceId>/home (owner-only), never the user's own ~/.gemini. Its .gemini/settings.json is
// the user's settings (copied at the first launch) plus AreYouJ's command hooks, hook notifications off, and session
// retention off (otherwise a later start may delete the transcript Resume needs). Gemini keeps its transcripts under
// <home>/.gemini/tmp/<project>/chats/session-*.jsonl. Observed with Gemini CLI 0.61.0: see docs/gemini.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareHookTransport, writePrivate, type HookTransport } from '../hook-transport.js';

/**
 * The hook events AreYouJ listens to (Gemini CLI 0.61). BeforeModel/AfterModel/BeforeToolSelection are left out on
 * purpose: they carry the whole LLM request and fire for every model call (AfterModel per streamed chunk).
 */
export const GEMINI_HOOK_EVENTS = ['SessionStart', 'BeforeAgent', 'BeforeTool', 'Notification', 'AfterTool', 'AfterAgent', 'SessionEnd'] as const;
/** The name AreYouJ's hooks carry in settings.json (Gemini keys hooks by name + command). */
export const GEMINI_HOOK_NAME = 'areyouj';
/** Milliseconds (Gemini's unit); the hook itself gives up after 2 s. */
const HOOK_TIMEOUT_MS = 5000;
/** Files of the user's ~/.gemini linked into the instance's home so their Google login works there. */
const AUTH_FILES = ['oauth_creds.json', 'google_accounts.json'];
/**
 * Variables taken out of a Gemini instance's environment: with CI=true or GITHUB_ACTIONS=true Gemini CLI runs headless
 * even in a terminal ("No input provided via stdin") and exits at once (isHeadlessMode, Gemini CLI 0.61). An instance is
 * an interactive terminal, whatever the server was started from.
 */
export const GEMINI_HEADLESS_ENV = ['CI', 'GITHUB_ACTIONS'] as const;

type Json = Record<string, any>;

export interface GeminiLaunchOptions {
  instanceId: string;
  /** AreYouJ's run dir (config.runDir); the instance's files go to <runDir>/gemini/<instanceId>/. */
  runDir: string;
  /** The pty host's hooks socket. */
  hookSocket: string;
  secret: string;
  userArgs?: readonly string[];
  /** Continue this Gemini session: `gemini --resume <id>` (same transcript file). */
  resumeSessionId?: string | null;
  /** Settings to start from at the first launch. Default: the user's own ~/.gemini/settings.json (from userHome). */
  settings?: Json;
  /** The user's Gemini home, the directory holding .gemini (default GEMINI_CLI_HOME or HOME). null: none. */
  userHome?: string | null;
  transport?: HookTransport;
  /** Environment used to look curl and the user's home up; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface GeminiLaunch {
  args: string[];
  /** Extra environment for the child (merge over the agent's env). */
  env: Record<string, string>;
  /** Variables removed from the child's environment (launchEnv applies both). */
  unsetEnv: readonly string[];
  /** GEMINI_CLI_HOME of the instance (settings in <home>/.gemini/settings.json). */
  home: string;
  settingsPath: string;
  /** <runDir>/gemini/<instanceId>: remove it when the instance is deleted (it holds the transcript Resume needs). */
  dir: string;
  /** The hook's HTTP path on the pty host's hooks socket. */
  hookPath: string;
  transport: 'curl' | 'node';
}

function readJson(file: string): Json | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

/** The settings with AreYouJ's hooks (replacing any earlier ones of ours) and the options AreYouJ relies on. */
export function withGeminiHooks(base: Json, command: string): Json {
  const s: Json = structuredClone(base);
  const hooks: Json = s.hooks && typeof s.hooks === 'object' ? s.hooks : {};
  for (const e of GEMINI_HOOK_EVENTS) {
    const theirs = (Array.isArray(hooks[e]) ? hooks[e] : []).filter(
      (d: Json) => !(Array.isArray(d?.hooks) && d.hooks.some((h: Json) => h?.name === GEMINI_HOOK_NAME)),
    );
    hooks[e] = [...theirs, { matcher: '', hooks: [{ name: GEMINI_HOOK_NAME, type: 'command', command, timeout: HOOK_TIMEOUT_MS }] }];
  }
  s.hooks = hooks;
  s.hooksConfig = { ...(s.hooksConfig ?? {}), enabled: true, notifications: false };
  s.general = { ...(s.general ?? {}), sessionRetention: { ...(s.general?.sessionRetention ?? {}), enabled: false } };
  return s;
}

export function defaultGeminiUserHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.GEMINI_CLI_HOME || env.HOME || os.homedir();
}

export function prepareGeminiLaunch(o: GeminiLaunchOptions): GeminiLaunch {
  const env = o.env ?? process.env;
  const root = path.join(o.runDir, 'gemini');
  const dir = path.join(root, o.instanceId);
  const home = path.join(dir, 'home');
  const dotGemini = path.join(home, '.gemini');
  fs.mkdirSync(dotGemini, { recursive: true, mode: 0o700 });
  for (const d of [dir, home, dotGemini]) fs.chmodSync(d, 0o700);
  const hook = prepareHookTransport({
    kind: 'gemini',
    instanceId: o.instanceId,
    root,
    dir,
    hookSocket: o.hookSocket,
    secret: o.secret,
    transport: o.transport,
    env,
  });

  const userHome = o.userHome === undefined ? defaultGeminiUserHome(env) : o.userHome;
  const userDot = userHome ? path.join(userHome, '.gemini') : null;
  const settingsPath = path.join(dotGemini, 'settings.json');
  // The instance's own settings when it has run before (the user may have changed some there), else the starting point.
  const base = readJson(settingsPath) ?? o.settings ?? (userDot ? readJson(path.join(userDot, 'settings.json')) : null) ?? {};
  writePrivate(settingsPath, `${JSON.stringify(withGeminiHooks(base, hook.command), null, 2)}\n`);
  if (userDot && path.resolve(userDot) !== path.resolve(dotGemini)) {
    for (const f of AUTH_FILES) {
      const src = path.join(userDot, f),
        link = path.join(dotGemini, f);
      if (fs.existsSync(src) && !fs.existsSync(link)) fs.symlinkSync(src, link);
    }
  }
  const args = [...(o.resumeSessionId ? ['--resume', o.resumeSessionId] : []), ...(o.userArgs ?? [])];
  return {
    args,
    env: { GEMINI_CLI_HOME: home, AREYOUJ_INSTANCE_ID: o.instanceId },
    unsetEnv: GEMINI_HEADLESS_ENV,
    home,
    settingsPath,
    dir,
    hookPath: hook.hookPath,
    transport: hook.transport,
  };
}
