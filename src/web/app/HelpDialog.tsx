import { Fragment } from 'react';
import { SHORTCUTS } from '../lib/keyboard.js';
import { Dialog } from '../ui/Dialog.js';

export function HelpDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose} testId="help-dialog" wide>
      <p className="help-note muted">
        A focused terminal gets every key a program can use (Ctrl K is bash’s kill-line, Alt 1 … 9 its digit argument).
        The shortcuts that also work from a terminal use combinations terminals leave alone, as in VS Code’s terminal.
      </p>
      <table className="keys-table">
        <tbody>{SHORTCUTS.map(({ where, keys }) => (
          <Fragment key={where}>
            <tr><th colSpan={2}>{where}</th></tr>
            {keys.map(([k, what]) => <tr key={k}><td><kbd>{k}</kbd></td><td>{what}</td></tr>)}
          </Fragment>
        ))}</tbody>
      </table>
    </Dialog>
  );
}
