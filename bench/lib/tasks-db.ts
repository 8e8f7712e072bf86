// A large tasks.db in the original format, for the tasks bench and the browser test of a 10,000-task board.
import Database from 'better-sqlite3';
import { TASKS_SCHEMA } from '../../src/server/tasks/schema-sql.js';

export const TOP = 2500, SUBS = 3;

/** A tasks.db of TOP top-level tasks with SUBS subtasks each (10,000 in all), dependencies, Markdown details. */
export function generateTasksDb(file: string) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(TASKS_SCHEMA);
  const ins = db.prepare(`INSERT INTO tasks (id, title, description, status, priority, notes, details, parent_id, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, '2025-01-01 10:00:00', '2025-01-02 11:00:00')`);
  const dep = db.prepare('INSERT INTO task_dependencies (task_id, dependency_id) VALUES (?, ?)');
  const statuses = ['pending', 'in-progress', 'done'], prios = ['high', 'medium', 'low'];
  const details = '## Plan\n\n- read the code\n- change `src/module.ts`\n- add tests\n\n```ts\nexport const x = 1;\n```\n'.repeat(2);
  db.transaction(() => {
    for (let i = 1; i <= TOP; i++) {
      ins.run(String(i), `Task ${i}: implement feature ${i % 37}`, `Description of task ${i}, with enough words to look like a real task description.`,
        statuses[i % 3], prios[i % 3], i % 5 ? null : `note ${i}`, details, null);
      if (i > 1) dep.run(String(i), String(i - 1));
      if (i > 7) dep.run(String(i), String(i - 7));
      for (let j = 1; j <= SUBS; j++) {
        ins.run(`${i}.${j}`, `Subtask ${j} of ${i}`, `Step ${j}.`, statuses[(i + j) % 3], prios[j % 3], null, '', String(i));
        if (j > 1) dep.run(`${i}.${j}`, `${i}.${j - 1}`);
      }
    }
  })();
  db.close();
}
