import { useMemo, useState } from 'react';
import { api, fieldErrors } from '../lib/api.js';
import { errorText, openTab } from '../lib/actions.js';
import { upsertInstance, useStore } from '../lib/store.js';
import { Dialog } from '../ui/Dialog.js';
import { Field } from '../ui/Field.js';

/** The most a plan input may be (the server's limit too). */
const MAX_CHARS = 200_000;

/**
 * Plan with an agent: a PRD or a goal (typed, or read from a file) goes to a new instance of an agent in this project,
 * wrapped in the plan template (docs/templates/plan-from-*.md under the home, editable); the agent writes the tasks
 * with the task tools, and the board shows them as they come.
 */
export function PlanDialog({ project, onClose }: { project: string; onClose: () => void }) {
  const agents = useStore((s) => s.agents);
  const sorted = useMemo(() => Object.values(agents).sort((a, b) =>
    Number(b.kind === 'claude') - Number(a.kind === 'claude') || Number(b.projectPath === project) - Number(a.projectPath === project) || a.name.localeCompare(b.name)), [agents, project]);
  const [agentId, setAgentId] = useState(sorted[0]?.id ?? '');
  const [kind, setKind] = useState<'prd' | 'goal'>('goal');
  const [text, setText] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const readFile = async (f: File | undefined) => {
    if (!f) return;
    if (f.size > MAX_CHARS * 4) { setErrors({ text: `${f.name} is too large (${Math.round(f.size / 1024)} KB)` }); return; }
    setText((await f.text()).slice(0, MAX_CHARS));
    setKind('prd');
    setErrors({});
  };
  const submit = async () => {
    setBusy(true);
    setErrors({});
    try {
      const inst = await api.plan({ project, agentId, kind, text });
      upsertInstance(inst);
      onClose();
      openTab(inst.id);
    } catch (e) {
      const fe = fieldErrors(e);
      setErrors(Object.keys(fe).length ? fe : { _: errorText(e) });
      setBusy(false);
    }
  };
  const agent = agents[agentId];
  return (
    <Dialog title="Plan with an agent" onClose={onClose} wide testId="plan-dialog" footer={<>
      {errors._ && <span className="field-error grow" role="alert">{errors._}</span>}
      <button className="btn" onClick={onClose}>Cancel</button>
      <button className="btn primary" disabled={busy || !agentId || !text.trim()} onClick={() => void submit()} data-testid="plan-go">{busy ? 'Starting…' : 'Start planning'}</button>
    </>}>
      {sorted.length === 0 ? <p>Create an agent first (Claude Code gets the task tools by itself).</p> : (
        <div className="form-grid">
          <Field label="Agent" name="agentId" error={errors.agentId} hint={agent && agent.kind !== 'claude' ? 'This agent needs the task tools added: areyouj mcp (see the README)' : 'A new instance, working in this project'}>
            <select value={agentId} onChange={(e) => setAgentId(e.target.value)} data-testid="plan-agent">
              {sorted.map((a) => <option key={a.id} value={a.id}>{a.name}{a.kind === 'claude' ? '' : ` (${a.kind})`}</option>)}
            </select>
          </Field>
          <Field label="From" name="kind" error={errors.kind}>
            <select value={kind} onChange={(e) => setKind(e.target.value as 'prd' | 'goal')} data-testid="plan-kind">
              <option value="goal">A goal (the agent writes a PRD first)</option>
              <option value="prd">A PRD</option>
            </select>
          </Field>
          <Field label={kind === 'prd' ? 'The PRD (Markdown)' : 'The goal'} name="text" error={errors.text} wide
            hint={<>Or read a file: <input type="file" accept=".md,.markdown,.txt,text/*" onChange={(e) => void readFile(e.target.files?.[0])} data-testid="plan-file" /></>}>
            <textarea rows={12} className="mono" value={text} onChange={(e) => setText(e.target.value)} maxLength={MAX_CHARS} data-testid="plan-text"
              placeholder={kind === 'prd' ? '# Product requirements…' : 'e.g. Add a dark mode to the settings page'} />
          </Field>
          <p className="muted small wide">The prompt comes from <code>docs/templates/plan-from-{kind}.md</code> in AreYouJ’s home: edit it to change how agents plan.</p>
        </div>
      )}
    </Dialog>
  );
}
