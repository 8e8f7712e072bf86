// The questions the Claude Code tests have the fake model ask (AskUserQuestion), shared by the recorder
// (record-claude-dialogs.ts), the CLI unit test, the server test and the dashboard test.
export const DB_QUESTION = {
  question: 'Which database should the service use?',
  header: 'Database',
  multiSelect: false,
  options: [
    { label: 'SQLite', description: 'One file, no server' },
    { label: 'Postgres', description: 'A server, more features' },
  ],
};
export const FEATURES_QUESTION = {
  question: 'Which features do you want to enable?',
  header: 'Features',
  multiSelect: true,
  options: [
    { label: 'Logging', description: 'Write a log file' },
    { label: 'Metrics', description: 'Expose Prometheus metrics' },
    { label: 'Tracing', description: 'OpenTelemetry spans' },
  ],
};
export const LANGUAGE_QUESTION = {
  question: 'Which language for the CLI?',
  header: 'Language',
  multiSelect: false,
  options: [
    { label: 'TypeScript', description: 'Same as the server' },
    { label: 'Go', description: 'One static binary' },
  ],
};

/** The fake model's script line that makes Claude Code ask these questions (test/fakes/anthropic-api.ts). */
export const askScript = (...questions: object[]) => `tool: AskUserQuestion ${JSON.stringify({ questions })}`;
