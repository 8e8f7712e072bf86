// The original AreYouJ tasks.db schema, kept byte for byte (see test/fixtures and ../shared/fixtures/areyouj-tasks.db).
export const TASKS_SCHEMA = `CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'in-progress', 'done')),
  priority TEXT NOT NULL DEFAULT 'medium' CHECK (priority IN ('high', 'medium', 'low')),
  notes TEXT,
  details TEXT DEFAULT '',
  parent_id TEXT,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (parent_id) REFERENCES tasks(id)
);
CREATE TABLE task_dependencies (
  task_id TEXT NOT NULL,
  dependency_id TEXT NOT NULL,
  PRIMARY KEY (task_id, dependency_id),
  FOREIGN KEY (task_id) REFERENCES tasks(id),
  FOREIGN KEY (dependency_id) REFERENCES tasks(id)
);
CREATE INDEX idx_task_status ON tasks(status);
CREATE INDEX idx_task_priority ON tasks(priority);
CREATE INDEX idx_task_parent ON tasks(parent_id);
CREATE INDEX idx_task_updated ON tasks(updated_at);
`;
