import type { FastifyInstance } from 'fastify';
import { TaskCreate, TaskUpdate, type Task, type TaskList } from '../../common/schema.js';
import { parse } from '../http/validate.js';
import type { InstanceStore } from '../instances/store.js';
import type { TaskService } from './service.js';

type Q = { Querystring: { project?: string }; Params: { id: string } };

export function taskRoutes(app: FastifyInstance, deps: { tasks: TaskService; instances: InstanceStore }) {
  const project = (q: { project?: string }) => deps.tasks.resolveProject(q.project);

  // Links each task to the instances started for it (agents.db), by one indexed lookup per request. The tasks
  // are fresh objects from the store, so they are annotated in place.
  const withInstances = (p: string, tasks: Task[]): Task[] => {
    const links = deps.instances.forTasks(p);
    const link = (t: Task) => {
      t.instances = (links.get(t.id) ?? []).map((i) => ({ id: i.id, agentId: i.agentId, agentName: i.agentName, name: i.name, status: i.status }));
      t.subtasks?.forEach(link);
    };
    tasks.forEach(link);
    return tasks;
  };

  app.get<Q>('/api/tasks', async (req): Promise<TaskList> => {
    const p = project(req.query);
    const { exists, tasks } = deps.tasks.list(p);
    return { project: p, exists, tasks: withInstances(p, tasks) };
  });
  app.get<Q>('/api/tasks/:id', async (req) => {
    const p = project(req.query);
    return withInstances(p, [deps.tasks.store(p).get(req.params.id)])[0];
  });
  app.post<Q>('/api/tasks', async (req, reply) => {
    const p = project(req.query);
    reply.status(201);
    return deps.tasks.create(p, parse(TaskCreate, req.body));
  });
  app.put<Q>('/api/tasks/:id', async (req) => deps.tasks.update(project(req.query), req.params.id, parse(TaskUpdate, req.body)));
  app.delete<Q>('/api/tasks/:id', async (req) => ({ deleted: deps.tasks.delete(project(req.query), req.params.id) }));
}
