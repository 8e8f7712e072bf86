// Whose size the pty has when several viewers watch one session (issue 11): the viewer who last typed or focused it,
// as tmux's `window-size latest`. A viewer's resize message only reports the size of its pane; it reshapes the pty
// when that viewer holds the size, or when nobody does (the first viewer to report). A viewer takes the size by typing
// (any input) or by a focus message (the user clicked or tapped its terminal); when the holder leaves, the viewer that
// took it (or joined) most recently before gets it back. The others get the
// resize frame and show the program at its size, letterboxed or clipped, not refitted to their pane: opening an instance on
// a phone does not rewrap the desktop's view, and the desktop takes its size back with a click.
// The policy lives here, in the server; the resize it decides is relayed to the pty host (RemoteSession.resize).

/** What the policy needs of a session (RemoteSession in the server). */
export interface SizedSession {
  readonly exited: boolean;
  resize(cols: number, rows: number): void;
}

export interface ViewerSize {
  /** The viewer's pane size changed (a resize message): applied if this viewer holds the size or nobody does. */
  report(cols: number, rows: number): void;
  /** The viewer typed or was focused: it holds the size from now on (its reported size is applied). */
  claim(): void;
  /** The viewer detached: if it held the size, the most recent remaining viewer (by claim or join) takes it. */
  leave(): void;
}

class Sizes {
  holder: Viewer | null = null;
  /** The viewers, least recently claimed (or joined) first. */
  readonly recent: Viewer[] = [];
  constructor(readonly session: SizedSession) {}
  touch(v: Viewer): void {
    const i = this.recent.indexOf(v);
    if (i >= 0) this.recent.splice(i, 1);
    this.recent.push(v);
  }
}

class Viewer implements ViewerSize {
  size: { cols: number; rows: number } | null = null;
  constructor(private readonly sizes: Sizes) {
    sizes.touch(this);
  }

  report(cols: number, rows: number): void {
    this.size = { cols, rows };
    if (this.sizes.holder === null) this.sizes.holder = this;
    if (this.sizes.holder === this) this.apply();
  }

  claim(): void {
    if (this.sizes.holder === this) return;
    this.sizes.holder = this;
    this.sizes.touch(this);
    this.apply();
  }

  leave(): void {
    const { recent } = this.sizes;
    const i = recent.indexOf(this);
    if (i >= 0) recent.splice(i, 1);
    if (this.sizes.holder !== this) return;
    const next = [...recent].reverse().find((v) => v.size !== null) ?? null;
    this.sizes.holder = next;
    next?.apply();
  }

  private apply(): void {
    if (!this.size || this.sizes.session.exited) return;
    try { this.sizes.session.resize(this.size.cols, this.size.rows); } catch { /* the host is away: the next report applies */ }
  }
}

const bySession = new WeakMap<SizedSession, Sizes>();

/** A new viewer of the session, for the size policy above. */
export function joinViewer(session: SizedSession): ViewerSize {
  let sizes = bySession.get(session);
  if (!sizes) bySession.set(session, (sizes = new Sizes(session)));
  return new Viewer(sizes);
}
