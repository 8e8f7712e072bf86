// POST /api/mcp/:instanceId: the task tools over MCP's Streamable HTTP transport, for one agent instance, with that
// instance's own secret (Authorization: Bearer <secret>, see access.ts) instead of the server's token. Stateless: each
// request gets a fresh McpServer bound to the instance's project, so nothing is kept per client between requests.
// Unknown or ended instances and wrong secrets answer alike (401), as the hook route does.
import type { FastifyInstance } from 'fastify';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isLive } from '../../common/constants.js';
import { ApiError } from '../http/errors.js';
import type { InstanceStore } from '../instances/store.js';
import type { TaskService } from '../tasks/service.js';
import type { McpAccess } from './access.js';
import { createTaskMcpServer } from './tools.js';

export const MCP_PATH = '/api/mcp';

export interface McpRoutesDeps { access: McpAccess; instances: InstanceStore; tasks: TaskService; version: string }

/** The project an instance's tools are bound to: the project of its linked task, else its own. */
export function mcpProjectOf(i: { projectPath: string; taskId: string | null; taskProject: string | null }): string {
  return i.taskId && i.taskProject ? i.taskProject : i.projectPath;
}

export function mcpRoutes(app: FastifyInstance, deps: McpRoutesDeps) {
  const handler = async (req: import('fastify').FastifyRequest<{ Params: { instanceId: string } }>, reply: import('fastify').FastifyReply) => {
    const inst = deps.instances.find(req.params.instanceId);
    // Only while the instance runs: an ended one's secret opens nothing.
    if (!inst || !isLive(inst.status) || !deps.access.check(inst.id, req.headers.authorization)) {
      throw new ApiError(401, 'unauthorized', 'unknown or ended instance, or wrong secret');
    }
    const server = createTaskMcpServer({
      project: mcpProjectOf(inst), tasks: deps.tasks, version: deps.version,
      caller: { instanceId: inst.id, agentName: inst.agentName, taskId: inst.taskId },
    });
    // JSON answers (no SSE stream): the tools answer at once and need no server-to-client requests.
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.hijack();
    reply.raw.on('close', () => { void transport.close(); void server.close(); });
    await server.connect(transport);
    await transport.handleRequest(req.raw, reply.raw, req.body);
  };
  app.post(`${MCP_PATH}/:instanceId`, handler);
  // Stateless: no stream to open and no session to end; the transport answers 405 itself.
  app.get(`${MCP_PATH}/:instanceId`, handler);
  app.delete(`${MCP_PATH}/:instanceId`, handler);
}
