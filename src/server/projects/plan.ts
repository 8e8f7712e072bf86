// "Plan with an agent": a PRD or a goal becomes tasks on a project's board, written by an agent through the task
// tools. The prompts are templates under <home>/docs/templates/, created on first use and never overwritten: edit
// them to change how your agents plan. Placeholders: {{project}}, {{input}}, {{tools}}, {{mcp_command}}.
import fs from 'node:fs';
import path from 'node:path';

export const PLAN_KINDS = ['prd', 'goal'] as const;
export type PlanKind = (typeof PLAN_KINDS)[number];

const TOOLS = 'the areyouj-tasks MCP tools (list_tasks, get_task, create_task, add_subtask, update_task)';

const RULES = `## How to write the tasks
- Use {{tools}}. Do not edit docs/tasks.db with sqlite3. If the tools are missing, stop and say so: they can be added with
  \`{{mcp_command}}\`.
- First call list_tasks: extend the board, never duplicate what is there.
- One task per deliverable a developer can finish and check in a day or two; subtasks (add_subtask) for its steps.
- Each task: a short imperative title, a description of its purpose and scope, details in Markdown (the steps, the files,
  and how to test it), a priority (high: needed first or blocks others; medium: needed for the release; low: later).
- Dependencies: the ids of tasks that must be done first (create those first, so their ids exist). No cycles.
- Every new task starts \`pending\`. Do not start implementing: planning only.
- When you are done, reply with the list of task ids and titles you created, and any question the input left open.
`;

export const DEFAULT_TEMPLATES: Record<`plan-from-${PlanKind}.md`, string> = {
  'plan-from-prd.md': `# Turn a PRD into tasks

You are planning the work for the project at {{project}}. Read the product requirements document below and turn it into
a structured list of tasks on the project's task board.

${RULES}
## The PRD

{{input}}
`,
  'plan-from-goal.md': `# Turn a goal into tasks

You are planning the work for the project at {{project}}. The goal is below. First look at the project (its README, its
layout, the code that the goal touches) to understand where it stands. Then write a short PRD for the goal to
docs/prd.md (the problem, the users, the features, what is out of scope, how success is checked), and turn it into a
structured list of tasks on the project's task board.

${RULES}
## The goal

{{input}}
`,
};

/** <home>/docs/templates/<name>, written from the default when missing (an existing file is the user's: kept as is). */
export function templateText(home: string, kind: PlanKind): { file: string; text: string } {
  const dir = path.join(home, 'docs', 'templates');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 }); // owner-only, as the rest of AreYouJ's own files (auth/files.ts)
  const name = `plan-from-${kind}.md` as const;
  const file = path.join(dir, name);
  try { fs.writeFileSync(file, DEFAULT_TEMPLATES[name], { flag: 'wx', mode: 0o600 }); } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return { file, text: fs.readFileSync(file, 'utf8') };
}

/** The template with its placeholders filled (each once, so that the input cannot bring placeholders of its own). */
export function renderPlan(template: string, vars: { project: string; input: string }): string {
  const values: Record<string, string> = {
    project: vars.project, input: vars.input.trim(), tools: TOOLS, mcp_command: `areyouj mcp --project ${JSON.stringify(vars.project)}`,
  };
  return template.replace(/\{\{(\w+)\}\}/g, (m, k: string) => values[k] ?? m);
}
