// Who may use the task tools over HTTP: each agent instance, with a secret of its own. The secret is an HMAC of the
// instance id under a key kept owner-only in <runDir>/mcp.key, so it needs no table, survives a server restart (the
// agent keeps its --mcp-config), and one instance's secret opens nothing for another.
import fs from 'node:fs';
import path from 'node:path';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export class McpAccess {
  private key: Buffer;

  constructor(runDir: string) {
    fs.mkdirSync(runDir, { recursive: true, mode: 0o700 });
    const file = path.join(runDir, 'mcp.key');
    let key: Buffer | null = null;
    try { key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url'); } catch { /* first start */ }
    if (!key || key.length < 32) {
      key = randomBytes(32);
      fs.writeFileSync(file, `${key.toString('base64url')}\n`, { mode: 0o600 });
    }
    fs.chmodSync(file, 0o600);
    this.key = key;
  }

  /** The secret of one instance (what its --mcp-config sends as `Authorization: Bearer …`). */
  secret(instanceId: string): string {
    return createHmac('sha256', this.key).update(`mcp:${instanceId}`).digest('base64url');
  }

  /** True when `authorization` is `Bearer <that instance's secret>`. */
  check(instanceId: string, authorization: string | undefined): boolean {
    if (!authorization?.startsWith('Bearer ')) return false;
    const given = Buffer.from(authorization.slice(7).trim());
    const want = Buffer.from(this.secret(instanceId));
    return given.length === want.length && timingSafeEqual(given, want);
  }
}
