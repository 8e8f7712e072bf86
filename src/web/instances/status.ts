// How each instance status looks: colour, icon and label, so status never relies on colour alone.
import type { InstanceStatus } from '../../common/schema.js';

export interface StatusMeta { label: string; icon: string; cls: string; hint: string }

export const STATUS: Record<InstanceStatus, StatusMeta> = {
  starting: { label: 'Starting', icon: '◌', cls: 'st-starting', hint: 'The program is starting' },
  idle: { label: 'Idle', icon: '●', cls: 'st-idle', hint: 'At its prompt, ready for the next message' },
  active: { label: 'Active', icon: '▶', cls: 'st-active', hint: 'Working' },
  awaiting_input: { label: 'Needs input', icon: '!', cls: 'st-awaiting', hint: 'Blocked on a question or a permission' },
  completed: { label: 'Completed', icon: '✓', cls: 'st-completed', hint: 'Exited by itself with code 0' },
  error: { label: 'Error', icon: '✕', cls: 'st-error', hint: 'Failed to start, crashed, or exited non-zero' },
  terminated: { label: 'Stopped', icon: '■', cls: 'st-terminated', hint: 'Stopped by the user' },
};

/** Ordering for "who needs me now": awaiting first, then errors, then working, then the rest. */
export const STATUS_RANK: Record<InstanceStatus, number> = {
  awaiting_input: 0, error: 1, active: 2, starting: 3, idle: 4, completed: 5, terminated: 6,
};
