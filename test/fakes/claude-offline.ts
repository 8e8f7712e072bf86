// How to run the real Claude Code CLI offline against the fake Anthropic API (docs/claude.md): one recipe for the
// unit, integration and browser tests and the bench.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { cliBin, cliPath } from '../helpers/clis.js';

/** The real Claude Code CLI, from test/clis (installed on demand: see test/helpers/clis.ts). */
export const CLAUDE_CLI = cliBin('claude');

/** Its path, once installed: the first test that needs it installs test/clis (never a skip for a missing CLI). */
export const claudeCli = () => cliPath('claude');

/**
 * Writes `<configDir>/.claude.json` (onboarding done, the key approved, the project trusted) and returns the
 * environment for the CLI. HOME is the config dir too: Claude's Bash tool runs a login shell, and the machine's
 * dotfiles (here once a stale pyenv lock that hung every call for 60 s) must not decide whether a test passes.
 */
export function offlineClaudeEnv(opts: { apiUrl: string; configDir: string; project: string }): Record<string, string> {
  const key = `sk-ant-test-${randomUUID().replace(/-/g, '')}`;
  fs.writeFileSync(path.join(opts.configDir, '.claude.json'), JSON.stringify({
    hasCompletedOnboarding: true,
    customApiKeyResponses: { approved: [key.slice(-20)], rejected: [] },
    projects: { [opts.project]: { hasTrustDialogAccepted: true } },
  }));
  return {
    ANTHROPIC_BASE_URL: opts.apiUrl, ANTHROPIC_API_KEY: key, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CONFIG_DIR: opts.configDir, HOME: opts.configDir,
  };
}
