// The task lists of the projects in use: one TaskStore per project, a watcher on each project's docs/ that publishes
// `tasks.changed` when another program commits to tasks.db, and events for our own writes. At most MAX_OPEN_PROJECTS
// are open at once: the least recently used one is closed (its database and its watcher) when another opens, so that
// requests for thousands of folders (any page can send them with image tags) cannot exhaust file descriptors.
import fs from 'node:fs';
import path from 'node:path';
import type { Task, TaskCreate, TaskUpdate } from '../../common/schema.js';
import type { EventBus } from '../events/bus.js';
import { invalid } from '../errors.js';
import { MAX_OPEN_PROJECTS } from '../limits.js';
import { TaskStore } from './store.js';

interface Watched {
  store: TaskStore; watcher: fs.FSWatcher | null; timer: NodeJS.Timeout | null; version: number | null;
  /** Unique per opening of a project (a store closed and opened again restarts its data_version): part of revision(). */
  epoch: number;
  /** Our own writes to this project (they do not change our connection's data_version). */
  writes: number;
}

let epochs = 0;

/** Further checks after an outside write event that showed no committed change yet (ms after the previous check). */
const RECHECK_MS = [200, 1000];

export class TaskService {
  /** Open projects, least recently used first (a Map keeps insertion order; a use moves a project to the end). */
  private projects = new Map<string, Watched>();

  constructor(private home: string, private bus: EventBus, private debounceMs = 50, private maxOpen = MAX_OPEN_PROJECTS) {}

  /** How many projects are open now (each: a database connection and a watcher). */
  get openCount(): number { return this.projects.size; }

  /** Resolves `?project=` (default: the home) to an existing absolute directory. */
  resolveProject(project: string | undefined): string {
    if (project === undefined || project === '') return this.home;
    if (!path.isAbsolute(project)) throw invalid('invalid_path', 'project', `project must be an absolute path: ${JSON.stringify(project)}`);
    const dir = path.resolve(project);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      throw invalid('invalid_path', 'project', `project is not an existing directory: ${JSON.stringify(dir)}`);
    }
    return dir;
  }

  store(project: string): TaskStore {
    let w = this.projects.get(project);
    if (w) this.projects.delete(project); // to the end: the most recently used
    else w = { store: new TaskStore(project), watcher: null, timer: null, version: null, epoch: ++epochs, writes: 0 };
    this.projects.set(project, w);
    for (const [p, old] of this.projects) {
      if (this.projects.size <= this.maxOpen) break;
      this.projects.delete(p);
      this.release(old);
    }
    if (!w.watcher) this.watch(w);
    return w.store;
  }

  /**
   * A token that changes whenever the project's tasks may have: our writes, and other programs' commits read from
   * PRAGMA data_version at once (no wait for the watcher). Equal tokens mean the same rows; caches key on it.
   */
  revision(project: string): string {
    const s = this.store(project);
    const w = this.projects.get(project)!;
    return `${w.epoch}.${w.writes}.${s.dataVersion() ?? 'none'}`;
  }

  private release(w: Watched) {
    w.watcher?.close();
    w.watcher = null;
    if (w.timer) clearTimeout(w.timer);
    w.timer = null;
    w.store.close();
  }

  list(project: string): { exists: boolean; tasks: Task[] } {
    const s = this.store(project);
    return { exists: s.exists, tasks: s.list() };
  }

  create(project: string, input: TaskCreate): Task {
    const s = this.store(project);
    const task = s.create(input);
    this.sync(project);
    this.bus.publish('task.created', { project, task });
    return task;
  }

  update(project: string, id: string, patch: TaskUpdate): Task {
    const task = this.store(project).update(id, patch);
    this.sync(project);
    this.bus.publish('task.updated', { project, task });
    return task;
  }

  delete(project: string, id: string): string[] {
    const ids = this.store(project).delete(id);
    this.sync(project);
    this.bus.publish('task.deleted', { project, id, ids });
    return ids;
  }

  close(): void {
    for (const w of this.projects.values()) this.release(w);
    this.projects.clear();
  }

  /** Our own commits do not change data_version; remember it so the watcher only reports other programs' writes. */
  private sync(project: string) {
    const w = this.projects.get(project);
    if (!w) return;
    w.writes++;
    w.version = w.store.dataVersion();
  }

  // Watches <project>/docs (or the project itself until docs/ exists) with inotify via fs.watch.
  private watch(w: Watched) {
    const docs = path.dirname(w.store.file);
    const target = fs.existsSync(docs) ? docs : w.store.project;
    try {
      w.version = w.store.dataVersion();
      w.watcher = fs.watch(target, { persistent: false }, (_ev, name) => {
        if (target !== docs) {
          if (name === 'docs' && fs.existsSync(docs)) { w.watcher?.close(); w.watcher = null; this.watch(w); }
          return;
        }
        if (!name || !String(name).startsWith('tasks.db')) return;
        this.schedule(w, 0);
      });
      w.watcher.on('error', () => { w.watcher?.close(); w.watcher = null; });
    } catch {
      w.watcher = null;
    }
  }

  /**
   * Checks after the debounce, and again later when nothing had changed yet: a writer's last step (the WAL index in
   * tasks.db-shm, written through mmap) makes no inotify event, so a check that runs between its WAL write and that
   * step sees the old version and nothing else would come to look again.
   */
  private schedule(w: Watched, attempt: number) {
    if (w.timer || this.projects.get(w.store.project) !== w) return; // closed meanwhile
    w.timer = setTimeout(() => {
      w.timer = null;
      if (!this.check(w) && attempt < RECHECK_MS.length) this.schedule(w, attempt + 1);
    }, attempt === 0 ? this.debounceMs : RECHECK_MS[attempt - 1]);
  }

  /** Publishes tasks.changed when another connection committed since we last looked; true when it had. */
  private check(w: Watched): boolean {
    let v: number | null;
    try { v = w.store.dataVersion(); } catch { return false; }
    if (v === w.version) return false;
    w.version = v;
    this.bus.publish('tasks.changed', { project: w.store.project });
    return true;
  }
}
