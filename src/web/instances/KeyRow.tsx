import { api } from '../lib/api.js';
import { attempt } from '../lib/actions.js';

const KEYS: { label: string; key: string; aria: string }[] = [
  { label: 'Esc', key: 'escape', aria: 'Escape' }, { label: 'Tab', key: 'tab', aria: 'Tab' }, { label: '^C', key: 'ctrl-c', aria: 'Control C' },
  { label: '←', key: 'left', aria: 'Left' }, { label: '↑', key: 'up', aria: 'Up' }, { label: '↓', key: 'down', aria: 'Down' },
  { label: '→', key: 'right', aria: 'Right' }, { label: '⏎', key: 'enter', aria: 'Enter' },
];

/** Keys a phone keyboard lacks, sent straight to the instance. */
export function KeyRow({ instanceId, disabled }: { instanceId: string; disabled: boolean }) {
  return (
    <div className="key-row" data-testid="key-row" role="toolbar" aria-label="Terminal keys">
      {KEYS.map((k) => (
        <button key={k.key} className="key" disabled={disabled} aria-label={k.aria} data-testid={`key-${k.key}`}
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => void attempt(() => api.input(instanceId, { keys: [k.key] }))}>{k.label}</button>
      ))}
    </div>
  );
}
