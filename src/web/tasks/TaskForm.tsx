import { useState } from 'react';
import type { Task } from '../../common/schema.js';
import { TASK_PRIORITIES, TASK_STATUSES } from '../../common/constants.js';
import { api, fieldErrors } from '../lib/api.js';
import { errorText } from '../lib/actions.js';
import { navigate } from '../lib/router.js';
import { NONE, useStore } from '../lib/store.js';
import { loadTasks } from '../lib/sync.js';
import { findTask } from './tasks.js';
import { Dialog } from '../ui/Dialog.js';
import { Field } from '../ui/Field.js';

/** Create or edit a task (or a subtask, with parentId). */
export function TaskForm({ project, taskId, parentId, onClose }: { project: string; taskId?: string; parentId?: string; onClose: () => void }) {
  const tasks = useStore((s) => s.tasks[project]?.tasks ?? NONE);
  const home = useStore((s) => s.info?.home);
  const existing = taskId ? findTask(tasks, taskId) : undefined;
  const [f, setF] = useState({
    title: existing?.title ?? '',
    description: existing?.description ?? '',
    status: existing?.status ?? 'pending' as Task['status'],
    priority: existing?.priority ?? 'medium' as Task['priority'],
    details: existing?.details ?? '',
    notes: existing?.notes ?? '',
    dependencies: (existing?.dependencies ?? []).join(', '),
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof typeof f>(k: K, v: (typeof f)[K]) => setF((p) => ({ ...p, [k]: v }));

  const submit = async () => {
    const body = {
      title: f.title, description: f.description, status: f.status, priority: f.priority, details: f.details,
      notes: f.notes || null,
      dependencies: f.dependencies.split(/[\s,]+/).map((d) => d.replace(/^#/, '')).filter(Boolean),
    };
    setBusy(true);
    setErrors({});
    try {
      const t = existing ? await api.updateTask(project, existing.id, body) : await api.createTask(project, { ...body, parentId: parentId ?? null });
      void loadTasks(project);
      onClose();
      if (!existing && t?.id) navigate({ page: 'tasks', project: project === home ? undefined : project, task: t.id }, true);
    } catch (e) {
      // An error about a field of the form shows beside it; any other (e.g. the project folder) at the bottom.
      const fe = fieldErrors(e);
      const other = Object.keys(fe).filter((k) => !(k in f));
      setErrors(Object.keys(fe).length && !other.length ? fe : { ...fe, _: other.map((k) => fe[k]).join(' ') || errorText(e) });
      setBusy(false);
    }
  };

  const title = existing ? `Edit task #${existing.id}` : parentId ? `New subtask of #${parentId}` : 'New task';
  return (
    <Dialog title={title} onClose={onClose} wide testId="task-form" footer={<>
      {errors._ && <span className="field-error grow" role="alert">{errors._}</span>}
      <button className="btn" onClick={onClose}>Cancel</button>
      <button className="btn primary" onClick={() => void submit()} disabled={busy} data-testid="task-save">{busy ? 'Saving…' : existing ? 'Save' : 'Create task'}</button>
    </>}>
      <form className="form-grid" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <Field label="Title" name="title" error={errors.title} wide>
          <input value={f.title} onChange={(e) => set('title', e.target.value)} autoFocus data-testid="task-title-input" />
        </Field>
        <Field label="Status" name="status" error={errors.status}>
          <select value={f.status} onChange={(e) => set('status', e.target.value as Task['status'])} data-testid="task-status-input">
            {TASK_STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </Field>
        <Field label="Priority" name="priority" error={errors.priority}>
          <select value={f.priority} onChange={(e) => set('priority', e.target.value as Task['priority'])} data-testid="task-priority-input">
            {TASK_PRIORITIES.map((p) => <option key={p} value={p}>{p}</option>)}
          </select>
        </Field>
        <Field label="Description" name="description" error={errors.description} wide>
          <textarea rows={3} value={f.description} onChange={(e) => set('description', e.target.value)} data-testid="task-description-input" />
        </Field>
        <Field label="Details (Markdown)" name="details" error={errors.details} wide>
          <textarea rows={7} className="mono" value={f.details} onChange={(e) => set('details', e.target.value)} data-testid="task-details-input" />
        </Field>
        <Field label="Depends on (task ids)" name="dependencies" error={errors.dependencies} hint="e.g. 1, 2.3">
          <input value={f.dependencies} onChange={(e) => set('dependencies', e.target.value)} placeholder="1, 2.3" data-testid="task-deps-input" />
        </Field>
        <Field label="Notes" name="notes" error={errors.notes}>
          <input value={f.notes} onChange={(e) => set('notes', e.target.value)} />
        </Field>
        <button type="submit" hidden />
      </form>
    </Dialog>
  );
}
