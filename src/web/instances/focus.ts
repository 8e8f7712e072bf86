// Which terminal takes the keyboard: each mounted terminal registers how to focus it, so that an action taken elsewhere
// (an answer from the banner) can give the keyboard back to the program, as a terminal user expects.
const terminals = new Map<string, () => void>();

export function registerTerminal(instanceId: string, focus: () => void): () => void {
  terminals.set(instanceId, focus);
  return () => { if (terminals.get(instanceId) === focus) terminals.delete(instanceId); };
}

/** Focus the instance's terminal if its tab is the one shown. */
export function focusTerminal(instanceId: string) {
  if (location.hash !== `#/i/${encodeURIComponent(instanceId)}`) return;
  terminals.get(instanceId)?.();
}

/** Whether a key event comes from inside a terminal (xterm's hidden textarea). */
export function inTerminal(target: EventTarget | null): boolean {
  return !!(target as Element | null)?.closest?.('.xterm');
}
