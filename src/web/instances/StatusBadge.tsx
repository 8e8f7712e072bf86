import type { InstanceStatus } from '../../common/schema.js';
import { STATUS } from './status.js';

/** A status shown with colour, icon and label (or icon only, with the label for screen readers and tooltips). */
export function StatusBadge({ status, compact = false }: { status: InstanceStatus; compact?: boolean }) {
  const m = STATUS[status] ?? STATUS.error;
  if (compact) {
    return (
      <span className={`status-dot ${m.cls}`} title={`${m.label}: ${m.hint}`} aria-label={m.label} role="img"
        data-testid="status-dot" data-status={status}>{m.icon}</span>
    );
  }
  return (
    <span className={`badge ${m.cls}`} title={m.hint} data-testid="status-badge" data-status={status}>
      <span className="badge-icon" aria-hidden="true">{m.icon}</span>{m.label}
    </span>
  );
}
