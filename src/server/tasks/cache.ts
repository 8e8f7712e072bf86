// GET /api/tasks at 10,000 tasks: the serialized answer is kept per project under a key that changes with every write
// (ours, and other programs' commits: TaskService.revision) and with the instances linked to the tasks, so a repeat
// read costs a lookup, and a client that sends the ETag back gets 304 without a body. Its gzip form (about a tenth of
// the bytes; level 1: 5 ms for 3 MB, where level 6 takes 19 ms for 9% less) is made once per key too, off the event
// loop (zlib's thread pool), for the clients that accept it.
import { createHash, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Task, TaskInstanceLink, TaskList } from '../../common/schema.js';
import { LIST_DETAILS_MAX_CHARS, TASK_LIST_CACHE_PROJECTS } from '../limits.js';

interface Entry { key: string; body: Buffer; gzip?: Promise<Buffer> }

const gzip = promisify(zlib.gzip);
/** Bodies smaller than this go as they are (compressing them saves nothing worth a round of zlib). */
export const COMPRESS_MIN_BYTES = 1024;

export class TaskListCache {
  /** ETags name this server run: a restarted server never answers 304 to a tag from before, whatever its counters. */
  private readonly run = randomBytes(6).toString('base64url');
  /** Least recently used first. */
  private entries = new Map<string, Entry>();

  constructor(private readonly maxProjects = TASK_LIST_CACHE_PROJECTS) {}

  etag(key: string): string {
    return `W/"${this.run}-${createHash('sha1').update(key).digest('base64url').slice(0, 20)}"`;
  }

  /** The body cached for this project under this key, or a new one from build() (then cached). */
  body(project: string, key: string, build: () => Buffer): { body: Buffer; hit: boolean } {
    const e = this.entries.get(project);
    if (e) this.entries.delete(project);
    if (e?.key === key) {
      this.entries.set(project, e);
      return { body: e.body, hit: true };
    }
    const body = build();
    this.entries.set(project, { key, body });
    for (const p of this.entries.keys()) {
      if (this.entries.size <= this.maxProjects) break;
      this.entries.delete(p);
    }
    return { body, hit: false };
  }

  /** The gzip form of `body` (the one cached under this project and key: made once, shared by concurrent readers). */
  gzip(project: string, key: string, body: Buffer): Promise<Buffer> {
    const e = this.entries.get(project);
    if (e?.key !== key || e.body !== body) return gzip(body, { level: 1 });
    e.gzip ??= gzip(body, { level: 1 });
    return e.gzip;
  }

  clear() { this.entries.clear(); }
}

/** True when an If-None-Match header names this ETag (or is `*`). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const strip = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || strip(t) === strip(etag));
}

/** True when an Accept-Encoding header takes gzip (by name or `*`, with a q above 0). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  for (const part of (Array.isArray(header) ? header.join(',') : header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name.trim() !== 'gzip' && name.trim() !== '*') continue;
    const q = params.map((x) => /^\s*q\s*=\s*([\d.]+)\s*$/.exec(x)?.[1]).find((x) => x !== undefined);
    return q === undefined || Number(q) > 0;
  }
  return false;
}

/** A string that changes when any link of the project's tasks to an instance does (its status, name, agent). */
export function linksKey(links: Map<string, TaskInstanceLink[]>): string {
  let out = '';
  for (const [taskId, list] of links) for (const i of list) out += `${taskId}\u0000${i.id}\u0000${i.status}\u0000${i.name}\u0000${i.agentName}\u0001`;
  return out;
}

/**
 * The JSON of GET /api/tasks. Tasks' instances are listed only when there are some; details are left out (as '')
 * when together they exceed LIST_DETAILS_MAX_CHARS, and the answer says so with detailsOmitted.
 * The tasks are fresh objects from the store: they are changed in place.
 */
export function serializeTaskList(project: string, exists: boolean, tasks: Task[], links: Map<string, TaskInstanceLink[]>, maxDetails = LIST_DETAILS_MAX_CHARS): Buffer {
  let details = 0;
  const visit = (t: Task) => {
    details += t.details.length;
    const l = links.get(t.id);
    if (l?.length) t.instances = l;
    else delete t.instances;
    t.subtasks?.forEach(visit);
  };
  tasks.forEach(visit);
  const detailsOmitted = details > maxDetails;
  if (detailsOmitted) {
    const drop = (t: Task) => { t.details = ''; t.subtasks?.forEach(drop); };
    tasks.forEach(drop);
  }
  const list: TaskList = { project, exists, detailsOmitted, tasks };
  return Buffer.from(JSON.stringify(list));
}
