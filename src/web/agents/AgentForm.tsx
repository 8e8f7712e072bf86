import { useEffect, useState } from 'react';
import type { AgentCreate, AgentKind, CommandResolution } from '../../common/schema.js';
import { AGENT_KINDS, DEFAULT_AWAITING_PATTERNS, DEFAULT_IDLE_PATTERNS } from '../../common/constants.js';
import { AGENT_PRESETS, APPROVAL_MODES, joinApproval, splitApproval, type AgentPreset } from '../../common/presets.js';
import { api, ApiError, fieldErrors } from '../lib/api.js';
import { errorText } from '../lib/actions.js';
import { getState, toast, upsertAgent, useStore } from '../lib/store.js';
import { Dialog } from '../ui/Dialog.js';
import { DirPicker } from '../ui/DirPicker.js';
import { Field } from '../ui/Field.js';

const COLORS = ['#7aa2f7', '#9ece6a', '#e0af68', '#f7768e', '#bb9af7', '#7dcfff', '#ff9e64', '#73daca'];
const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);
const KIND_LABELS: Record<AgentKind, string> = { claude: 'Claude Code', codex: 'Codex CLI', gemini: 'Gemini CLI', generic: 'Generic terminal program' };
const KIND_HINTS: Record<AgentKind, string> = {
  claude: 'Exact states from Claude Code’s hooks', codex: 'Exact states from Codex CLI’s hooks', gemini: 'Exact states from Gemini CLI’s hooks',
  generic: 'States read from the screen with the patterns below',
};
/** The command a kind runs when the field is left empty. */
const defaultCommand = (k: AgentKind) => AGENT_PRESETS.find((p) => p.kind === k)?.command ?? 'bash';

/**
 * Which executable the command runs for this agent (the agents' PATH, without AreYouJ's own tools), with its version,
 * asked of the server a moment after typing stops. A command with a slash is relative to the project folder.
 */
function useResolution(command: string, projectPath: string): { state: 'checking' | 'done' | 'failed'; r?: CommandResolution; error?: string } {
  const [res, setRes] = useState<{ key: string; state: 'checking' | 'done' | 'failed'; r?: CommandResolution; error?: string }>({ key: '', state: 'checking' });
  const withPath = command.includes('/') && projectPath.startsWith('/');
  const key = `${command}\0${withPath ? projectPath : ''}`;
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      api.resolveCommand(command, withPath ? projectPath : undefined)
        .then((r) => { if (live) setRes({ key, state: 'done', r }); })
        .catch((e: unknown) => { if (live) setRes({ key, state: 'failed', error: errorText(e) }); });
    }, 400);
    return () => { live = false; clearTimeout(t); };
  }, [key, command, projectPath, withPath]);
  return res.key === key ? res : { state: 'checking' };
}

/** Create or edit an agent. Validation is the server's: its errors appear next to the field they concern. */
export function AgentForm({ agentId, onClose }: { agentId?: string; onClose: () => void }) {
  const existing = useStore((s) => (agentId ? s.agents[agentId] : undefined));
  const home = useStore((s) => s.info?.home ?? '');
  const used = Object.keys(getState().agents).length;
  const [f, setF] = useState(() => {
    const kind = (existing?.kind ?? 'claude') as AgentKind;
    // The approval mode is a choice of its own; the other arguments stay in the text box.
    const { mode, rest } = existing ? splitApproval(kind, existing.args) : { mode: APPROVAL_MODES[kind]?.initial ?? '', rest: [] };
    return {
    preset: existing ? '' : 'claude',
    approval: mode,
    name: existing?.name ?? '',
    color: existing?.color ?? COLORS[used % COLORS.length],
    kind,
    projectPath: existing?.projectPath ?? home,
    command: existing?.command ?? '',
    args: rest.join('\n'),
    env: Object.entries(existing?.env ?? {}).map(([k, v]) => `${k}=${v}`).join('\n'),
    description: existing?.description ?? '',
    maxConcurrentInstances: String(existing?.settings.maxConcurrentInstances ?? 3),
    autoStart: existing?.settings.autoStart ?? false,
    notificationEnabled: existing?.settings.notificationEnabled ?? true,
    notifyOnTurnEnd: existing?.settings.notifyOnTurnEnd ?? false,
    ownWorktree: existing?.settings.ownWorktree ?? true,
    quietMs: String(existing?.settings.quietMs ?? 500),
    idlePatterns: (existing?.settings.idlePatterns ?? DEFAULT_IDLE_PATTERNS).join('\n'),
    awaitingPatterns: (existing?.settings.awaitingPatterns ?? DEFAULT_AWAITING_PATTERNS).join('\n'),
    };
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [picking, setPicking] = useState(false);
  const [advanced, setAdvanced] = useState(!!existing && existing.kind === 'generic');
  const set = <K extends keyof typeof f>(k: K, v: (typeof f)[K]) => setF((p) => ({ ...p, [k]: v }));
  const resolved = useResolution(f.command.trim() || defaultCommand(f.kind), f.projectPath);
  const approvals = APPROVAL_MODES[f.kind];
  const approval = approvals?.modes.find((m) => m.id === f.approval);
  const setKind = (k: AgentKind) => {
    setF((p) => ({ ...p, kind: k, approval: APPROVAL_MODES[k]?.initial ?? '' }));
    if (k === 'generic') setAdvanced(true);
  };
  /** A preset fills the command, arguments, kind, patterns and quiet time (and the name, if there is none yet). */
  const pick = (p: AgentPreset) => {
    setF((x) => ({
      ...x, preset: p.id, kind: p.kind, command: p.command, args: p.args.join('\n'), approval: APPROVAL_MODES[p.kind]?.initial ?? '',
      idlePatterns: p.idlePatterns.join('\n'), awaitingPatterns: p.awaitingPatterns.join('\n'), quietMs: String(p.quietMs),
      name: x.name.trim() && !AGENT_PRESETS.some((q) => q.id === x.name) ? x.name : p.id,
    }));
    if (p.kind === 'generic') setAdvanced(true);
  };

  const submit = async () => {
    const env: Record<string, string> = {};
    for (const l of lines(f.env)) {
      const eq = l.indexOf('=');
      if (eq <= 0) { setErrors({ env: `"${l}" is not NAME=value` }); return; }
      env[l.slice(0, eq).trim()] = l.slice(eq + 1);
    }
    const body: AgentCreate = {
      name: f.name,
      projectPath: f.projectPath,
      description: f.description || null,
      command: f.command.trim() || defaultCommand(f.kind),
      args: joinApproval(f.kind, f.approval, lines(f.args)),
      env,
      kind: f.kind,
      color: f.color,
      settings: {
        maxConcurrentInstances: Number(f.maxConcurrentInstances),
        autoStart: f.autoStart,
        notificationEnabled: f.notificationEnabled,
        notifyOnTurnEnd: f.notifyOnTurnEnd,
        ownWorktree: f.ownWorktree,
        quietMs: Number(f.quietMs),
        idlePatterns: lines(f.idlePatterns),
        awaitingPatterns: lines(f.awaitingPatterns),
      },
    };
    setBusy(true);
    setErrors({});
    try {
      const a = existing ? await api.updateAgent(existing.id, body) : await api.createAgent(body);
      upsertAgent(a);
      toast(existing ? `Saved ${a.name}` : `Created ${a.name} — press ▶ to start an instance`, 'info');
      onClose();
    } catch (e) {
      let fe = fieldErrors(e);
      if (e instanceof ApiError && e.status === 409 && !Object.keys(fe).length) fe = { name: e.message };
      if (!Object.keys(fe).length) fe = { _: errorText(e) };
      else if (Object.keys(fe).some((k) => k.startsWith('settings.') && !['settings.maxConcurrentInstances', 'settings.autoStart', 'settings.notificationEnabled', 'settings.notifyOnTurnEnd'].includes(k))) setAdvanced(true);
      if (fe.args || fe.env || fe.command) setAdvanced(true);
      setErrors(fe);
      setBusy(false);
    }
  };

  return (
    <Dialog title={existing ? `Edit ${existing.name}` : 'New agent'} onClose={onClose} wide testId="agent-form" footer={<>
      {errors._ && <span className="field-error grow" role="alert" data-testid="error-_">{errors._}</span>}
      <button className="btn" onClick={onClose}>Cancel</button>
      <button className="btn primary" onClick={() => void submit()} disabled={busy} data-testid="agent-save">{busy ? 'Saving…' : existing ? 'Save' : 'Create agent'}</button>
    </>}>
      <form className="form-grid" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        {!existing && (
          <div className="field wide">
            <span className="field-label">Start from</span>
            <div className="presets" role="radiogroup" aria-label="Preset" data-testid="agent-presets">
              {AGENT_PRESETS.map((p) => (
                <button type="button" key={p.id} role="radio" aria-checked={f.preset === p.id} className={`preset${f.preset === p.id ? ' on' : ''}`}
                  title={p.hint} onClick={() => pick(p)} data-testid={`preset-${p.id}`}>{p.label}</button>
              ))}
            </div>
          </div>
        )}
        <Field label="Name" name="name" error={errors.name}>
          <input value={f.name} onChange={(e) => set('name', e.target.value)} autoFocus placeholder="e.g. backend-claude" data-testid="agent-name" />
        </Field>
        <Field label="Kind" name="kind" error={errors.kind} hint={KIND_HINTS[f.kind]}>
          <select value={f.kind} onChange={(e) => setKind(e.target.value as AgentKind)} data-testid="agent-kind">
            {AGENT_KINDS.map((k) => <option key={k} value={k}>{KIND_LABELS[k]}</option>)}
          </select>
        </Field>
        {approvals && (
          <div className="field wide" data-field="approval">
            <span className="field-label">{f.kind === 'claude' ? 'Permission mode' : 'Approval mode'}</span>
            <div className="presets" role="radiogroup" aria-label={f.kind === 'claude' ? 'Permission mode' : 'Approval mode'} data-testid="agent-approval">
              {approvals.modes.map((m) => (
                <button type="button" key={m.id} role="radio" aria-checked={f.approval === m.id} className={`preset${f.approval === m.id ? ' on' : ''}`}
                  title={m.hint} onClick={() => set('approval', m.id)} data-testid={`approval-${m.id}`}>{m.label}</button>
              ))}
            </div>
            <span className="field-hint" data-testid="agent-approval-hint">
              {approval ? <>{approval.hint} <code>{approval.args.join(' ')}</code></> : 'Not set: the CLI’s own setting applies (it may run tools without asking)'}
            </span>
          </div>
        )}
        <Field label="Project folder" name="projectPath" error={errors.projectPath} wide>
          <div className="input-row">
            <input value={f.projectPath} onChange={(e) => set('projectPath', e.target.value)} placeholder="/absolute/path/to/project" spellCheck={false} data-testid="agent-project" />
            <button type="button" className="btn" onClick={() => setPicking(!picking)} data-testid="agent-browse">Browse…</button>
          </div>
        </Field>
        {picking && <div className="wide"><DirPicker start={f.projectPath || home} onPick={(p) => { set('projectPath', p); setPicking(false); }} onClose={() => setPicking(false)} /></div>}
        <Field label="Command" name="command" error={errors.command} hint={<ResolvedHint res={resolved} />}>
          <input value={f.command} onChange={(e) => set('command', e.target.value)} placeholder={defaultCommand(f.kind)} spellCheck={false} data-testid="agent-command" />
        </Field>
        <Field label="Colour" name="color" error={errors.color}>
          <div className="swatches">
            {COLORS.map((c) => <button type="button" key={c} className={`swatch${f.color === c ? ' on' : ''}`} style={{ background: c }} aria-label={`Colour ${c}`} onClick={() => set('color', c)} />)}
            <input type="color" value={f.color ?? '#7aa2f7'} onChange={(e) => set('color', e.target.value)} aria-label="Custom colour" />
          </div>
        </Field>
        <Field label="Max concurrent instances" name="settings.maxConcurrentInstances" error={errors['settings.maxConcurrentInstances']}>
          <input type="number" min={1} max={256} value={f.maxConcurrentInstances} onChange={(e) => set('maxConcurrentInstances', e.target.value)} data-testid="agent-max" />
        </Field>
        <div className="field checks">
          <label className="check"><input type="checkbox" checked={f.notificationEnabled} onChange={(e) => set('notificationEnabled', e.target.checked)} /> Notify when it needs me</label>
          <label className="check"><input type="checkbox" checked={f.notifyOnTurnEnd} onChange={(e) => set('notifyOnTurnEnd', e.target.checked)} /> Notify when a turn ends</label>
          <label className="check"><input type="checkbox" checked={f.autoStart} onChange={(e) => set('autoStart', e.target.checked)} /> Start with the server</label>
          <label className="check" title="In a git project, each instance works in its own worktree on its own branch; you review and merge its changes">
            <input type="checkbox" checked={f.ownWorktree} onChange={(e) => set('ownWorktree', e.target.checked)} data-testid="agent-own-worktree" /> Own worktree per instance (git)</label>
        </div>
        <Field label="Description" name="description" error={errors.description} wide>
          <input value={f.description} onChange={(e) => set('description', e.target.value)} placeholder="What this agent is for (optional)" />
        </Field>
        <button type="button" className="link-btn wide advanced-toggle" onClick={() => setAdvanced(!advanced)} aria-expanded={advanced} data-testid="agent-advanced">
          {advanced ? '▾' : '▸'} Arguments, environment and state patterns
        </button>
        {advanced && <>
          <Field label="Arguments (one per line)" name="args" error={errors.args}>
            <textarea rows={3} value={f.args} onChange={(e) => set('args', e.target.value)} spellCheck={false} placeholder={f.kind === 'claude' ? '--model\nsonnet' : ''} data-testid="agent-args" />
          </Field>
          <Field label="Environment (NAME=value per line)" name="env" error={errors.env}>
            <textarea rows={3} value={f.env} onChange={(e) => set('env', e.target.value)} spellCheck={false} data-testid="agent-env" />
          </Field>
          <Field label="Idle patterns (regex per line)" name="settings.idlePatterns" error={errors['settings.idlePatterns']} hint="Quiet output with one of these on the last lines means idle">
            <textarea rows={3} value={f.idlePatterns} onChange={(e) => set('idlePatterns', e.target.value)} spellCheck={false} className="mono" data-testid="agent-idle-patterns" />
          </Field>
          <Field label="Awaiting-input patterns (regex per line)" name="settings.awaitingPatterns" error={errors['settings.awaitingPatterns']} hint="…and one of these means it is asking you something">
            <textarea rows={3} value={f.awaitingPatterns} onChange={(e) => set('awaitingPatterns', e.target.value)} spellCheck={false} className="mono" data-testid="agent-awaiting-patterns" />
          </Field>
          <Field label="Quiet time (ms)" name="settings.quietMs" error={errors['settings.quietMs']} hint="How long output must be still before the screen is read">
            <input type="number" min={50} max={60000} value={f.quietMs} onChange={(e) => set('quietMs', e.target.value)} data-testid="agent-quiet" />
          </Field>
        </>}
        <button type="submit" hidden />
      </form>
    </Dialog>
  );
}

/** Under the command: the executable it runs and its version, or why it runs nothing. */
function ResolvedHint({ res }: { res: ReturnType<typeof useResolution> }) {
  if (res.state === 'checking') return <span data-testid="command-resolved" data-state="checking">Looking it up…</span>;
  if (res.state === 'failed' || !res.r) return <span data-testid="command-resolved" data-state="failed">Cannot look it up: {res.error}</span>;
  const { r } = res;
  if (!r.path) return <span className="resolve-missing" data-testid="command-resolved" data-state="missing">{r.error}</span>;
  return (
    <span data-testid="command-resolved" data-state="found" title={r.versionError ?? undefined}>
      Runs <code>{r.path}</code>{r.version ? <> · {r.version}</> : <> · no version ({r.versionError})</>}
    </span>
  );
}
