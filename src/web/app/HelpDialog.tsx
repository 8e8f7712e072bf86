import { Dialog } from '../ui/Dialog.js';

const KEYS: [string, string][] = [
  ['Alt 1 … 9', 'Switch to tab 1 … 9'],
  ['Ctrl K', 'Jump to any agent, instance or task'],
  ['Esc', 'Close a dialog, the palette or the drawer'],
  ['?', 'This help'],
  ['Enter', 'Send the message (composer)'],
  ['Shift Enter', 'New line in the message'],
  ['Ctrl Enter', 'Type the message now, even while the agent works'],
  ['↑ / ↓', 'Recall earlier messages of this instance'],
  ['Ctrl Shift C / V', 'Copy / paste in a terminal (Ctrl C copies when text is selected)'],
  ['Middle click', 'Close a tab (the instance keeps running)'],
];

export function HelpDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose} testId="help-dialog">
      <table className="keys-table">
        <tbody>{KEYS.map(([k, v]) => <tr key={k}><td><kbd>{k}</kbd></td><td>{v}</td></tr>)}</tbody>
      </table>
    </Dialog>
  );
}
