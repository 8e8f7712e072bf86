import { useEffect, useMemo, useState } from 'react';
import { isLive } from '../../common/constants.js';
import { api } from '../lib/api.js';
import { errorText, openTab, termSize } from '../lib/actions.js';
import { STATUS } from '../instances/status.js';
import { NONE, toast, upsertInstance, useStore } from '../lib/store.js';
import { loadTasks } from '../lib/sync.js';
import { findTask, taskPrompt } from './tasks.js';
import { BaseSelect } from '../instances/BaseSelect.js';
import { Dialog } from '../ui/Dialog.js';
import { Field } from '../ui/Field.js';

/** Hand a task to an agent: a new instance started with the task as its prompt (linked to the task), or a running one. */
export function HandoffDialog({ project, taskId, onClose }: { project: string; taskId: string; onClose: () => void }) {
  const task = useStore((s) => findTask(s.tasks[project]?.tasks ?? NONE, taskId));
  const agents = useStore((s) => s.agents);
  const instances = useStore((s) => s.instances);
  const sorted = useMemo(() => Object.values(agents).sort((a, b) => a.name.localeCompare(b.name)), [agents]);
  const preferred = sorted.find((a) => a.projectPath === project) ?? sorted[0];
  const [agentId, setAgentId] = useState(preferred?.id ?? '');
  const [target, setTarget] = useState('new');
  const [prompt, setPrompt] = useState(() => (task ? taskPrompt(task) : ''));
  const [edited, setEdited] = useState(false);
  const detailsOmitted = useStore((s) => !!s.tasks[project]?.detailsOmitted);
  // A large board's list leaves details out: the prompt gets them from the task itself.
  useEffect(() => {
    if (!detailsOmitted) return;
    let live = true;
    void api.task(project, taskId).then((t) => { if (live && !edited) setPrompt(taskPrompt(t)); }).catch(() => undefined);
    return () => { live = false; };
  }, [detailsOmitted, project, taskId, edited]);
  const [markProgress, setMarkProgress] = useState(task?.status === 'pending');
  const [base, setBase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const live = Object.values(instances).filter((i) => i.agentId === agentId && isLive(i.status));

  if (!task) return <Dialog title="Hand to agent" onClose={onClose}><p>The task no longer exists.</p></Dialog>;

  const submit = async () => {
    setBusy(true);
    setError('');
    try {
      let id: string;
      if (target === 'new') {
        const inst = await api.startInstance(agentId, { prompt, taskId, taskProject: project, cols: termSize.cols, rows: termSize.rows, base: base || undefined });
        upsertInstance(inst);
        id = inst.id;
      } else {
        const r = await api.send(target, prompt, 'auto');
        id = target;
        // Link the instance to the task, as a new one would be (the board and the overview show it).
        upsertInstance(await api.updateInstance(target, { taskId, taskProject: project }));
        toast(r.delivery === 'queued' ? 'Queued — sent when the instance is next idle.' : 'Sent to the instance.', 'info');
      }
      if (markProgress) { await api.updateTask(project, taskId, { status: 'in-progress' }).catch(() => undefined); void loadTasks(project); }
      onClose();
      openTab(id);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Hand #${task.id} to an agent`} onClose={onClose} wide testId="handoff-dialog" footer={<>
      {error && <span className="field-error grow" role="alert">{error}</span>}
      <button className="btn" onClick={onClose}>Cancel</button>
      <button className="btn primary" disabled={busy || !agentId || !prompt.trim()} onClick={() => void submit()} data-testid="handoff-go">
        {target === 'new' ? 'Start and send' : 'Send'}
      </button>
    </>}>
      <div className="form-grid">
        <Field label="Agent" name="agent">
          <select value={agentId} onChange={(e) => { setAgentId(e.target.value); setTarget('new'); }} data-testid="handoff-agent">
            {sorted.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
          </select>
        </Field>
        <Field label="Instance" name="instance" hint={target === 'new' ? 'A new instance, linked to this task' : 'Linked to this task; sent now if idle, queued otherwise'}>
          <select value={target} onChange={(e) => setTarget(e.target.value)} data-testid="handoff-target">
            <option value="new">Start a new instance</option>
            {live.map((i) => <option key={i.id} value={i.id}>{i.name} — {STATUS[i.status].label}</option>)}
          </select>
        </Field>
        {target === 'new' && <BaseSelect agentId={agentId} value={base} onChange={setBase} />}
        <Field label="Prompt" name="prompt" wide>
          <textarea rows={10} value={prompt} onChange={(e) => { setPrompt(e.target.value); setEdited(true); }} className="mono" data-testid="handoff-prompt" />
        </Field>
        <label className="check wide"><input type="checkbox" checked={markProgress} onChange={(e) => setMarkProgress(e.target.checked)} /> Mark the task in progress</label>
      </div>
    </Dialog>
  );
}
