// The events of GET /api/events: one zod schema per event type for its data (the pattern of opencode's
// BusEvent.define). The bus publishes only these (a wrong payload does not compile), the web app types its handlers
// from EventMap (type-only imports: zod stays out of its bundle), and the tests validate every event they receive.
import { z } from 'zod';
import { NOTIFICATION_KINDS, type EventType, type StreamEventType } from './constants.js';
import { ChangesEvent } from './changes.js';
import { Agent, Instance, Message, Task } from './schema.js';

const project = z.string();
const id = z.string();

/** `satisfies` makes the keys exactly EVENT_TYPES (constants.ts): a missing or an extra one fails to compile. */
export const EventSchemas = {
  'task.created': z.strictObject({ project, task: Task }),
  'task.updated': z.strictObject({ project, task: Task }),
  /** `ids`: the task and its subtasks, all deleted. */
  'task.deleted': z.strictObject({ project, id, ids: z.array(z.string()) }),
  /** Another program wrote that project's tasks.db: refetch. */
  'tasks.changed': z.strictObject({ project }),
  'agent.created': z.strictObject({ agent: Agent }),
  'agent.updated': z.strictObject({ agent: Agent }),
  'agent.deleted': z.strictObject({ id }),
  'instance.created': z.strictObject({ instance: Instance }),
  'instance.updated': z.strictObject({ instance: Instance }),
  'instance.deleted': z.strictObject({ id }),
  /** A watched instance's working tree changed, or it was committed, merged, rebased or discarded: refetch its changes. */
  'instance.changes': ChangesEvent,
  'message.created': z.strictObject({ message: Message }),
  'message.updated': z.strictObject({ message: Message }),
  'notification': z.strictObject({ instanceId: z.string(), agentId: z.string(), kind: z.enum(NOTIFICATION_KINDS), title: z.string(), body: z.string() }),
} satisfies Record<EventType, z.ZodType>;

/**
 * Sent by the SSE route (not the bus) instead of a replay: the client's Last-Event-ID is older than the history or from
 * another run (`history_too_old`), or what it missed includes an event too large to keep or is too much to replay
 * (`history_too_large`). Either way: refetch.
 */
export const ResetEvent = z.strictObject({ reason: z.enum(['history_too_old', 'history_too_large']), lastId: z.number().int() });

export const StreamEventSchemas = { ...EventSchemas, reset: ResetEvent } satisfies Record<StreamEventType, z.ZodType>;

export type EventMap = { [K in EventType]: z.infer<(typeof EventSchemas)[K]> };
export type EventData<K extends EventType> = EventMap[K];
export type StreamEventMap = { [K in StreamEventType]: z.infer<(typeof StreamEventSchemas)[K]> };

/** One published event: a monotonically increasing id, its type, its data, and when. */
export type ServerEvent = { [K in EventType]: { id: number; type: K; data: EventData<K>; at: string } }[EventType];
