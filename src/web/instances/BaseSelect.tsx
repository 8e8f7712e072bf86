import { useEffect, useState } from 'react';
import { api } from '../lib/api.js';
import { useStore } from '../lib/store.js';
import { Field } from '../ui/Field.js';

/**
 * The branch a new instance's worktree starts from, for agents in a git project with "own worktree" on. '' means the
 * project's current branch (the server's default). Renders nothing for other agents.
 */
export function BaseSelect({ agentId, value, onChange }: { agentId: string; value: string; onChange: (v: string) => void }) {
  const own = useStore((s) => s.agents[agentId]?.settings.ownWorktree ?? false);
  const [info, setInfo] = useState<{ repository: boolean; current: string | null; branches: string[] } | null>(null);
  useEffect(() => {
    setInfo(null);
    if (!own) return;
    let live = true;
    api.branches(agentId).then((r) => { if (live) setInfo(r); }, () => { if (live) setInfo(null); });
    return () => { live = false; };
  }, [agentId, own]);
  if (!own || !info?.repository) return null;
  return (
    <Field label="Base branch" name="base" hint="The instance gets its own worktree on a new branch from this one">
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid="start-base">
        <option value="">{info.current ? `${info.current} (current)` : 'the current branch'}</option>
        {info.branches.filter((b) => b !== info.current).map((b) => <option key={b} value={b}>{b}</option>)}
      </select>
    </Field>
  );
}
