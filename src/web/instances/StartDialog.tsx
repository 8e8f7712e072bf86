import { useState } from 'react';
import { startInstance } from '../lib/actions.js';
import { useStore } from '../lib/store.js';
import { BaseSelect } from './BaseSelect.js';
import { Dialog } from '../ui/Dialog.js';
import { Field } from '../ui/Field.js';

/** Start an instance with options: the branch its worktree starts from, a name, a first message. */
export function StartDialog({ agentId, onClose }: { agentId: string; onClose: () => void }) {
  const agent = useStore((s) => s.agents[agentId]);
  const [base, setBase] = useState('');
  const [name, setName] = useState('');
  const [prompt, setPrompt] = useState('');
  const [busy, setBusy] = useState(false);
  if (!agent) return null;
  const go = async () => {
    setBusy(true);
    const inst = await startInstance(agentId, { base: base || undefined, name: name.trim() || undefined, prompt: prompt.trim() || undefined });
    if (inst) onClose(); else setBusy(false);
  };
  return (
    <Dialog title={`Start ${agent.name}`} onClose={onClose} wide testId="start-dialog" footer={<>
      <button className="btn" onClick={onClose}>Cancel</button>
      <button className="btn primary" onClick={() => void go()} disabled={busy} data-testid="start-go">{busy ? 'Starting…' : 'Start'}</button>
    </>}>
      <div className="form-grid">
        <BaseSelect agentId={agentId} value={base} onChange={setBase} />
        <Field label="Name" name="name" hint="Default: #n">
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} data-testid="start-name" />
        </Field>
        <Field label="First message" name="prompt" wide>
          <textarea rows={4} value={prompt} onChange={(e) => setPrompt(e.target.value)} data-testid="start-prompt" />
        </Field>
      </div>
    </Dialog>
  );
}
