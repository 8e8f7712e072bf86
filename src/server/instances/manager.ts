// The instance manager: starts agents in pseudo-terminals, tracks their state, delivers messages.
import { LIVE_STATUSES } from '../../common/schema.js';
import type { Ctx } from '../server.js';

export class InstanceManager {
  url = '';
  constructor(private ctx: Ctx) {}

  /** On start: instances a crashed server left live are marked error (server_restarted). */
  async recover(url: string): Promise<void> {
    this.url = url;
    for (const i of this.ctx.instances.list({ statuses: LIVE_STATUSES })) {
      const inst = this.ctx.instances.update(i.id, { status: 'error', statusReason: 'server_restarted', completedAt: new Date().toISOString(), pid: null });
      this.ctx.bus.publish('instance.updated', { instance: inst });
    }
  }

  async stopAgent(_agentId: string): Promise<void> {}
  async stopAll(): Promise<void> {}
}
