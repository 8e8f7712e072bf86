import { Component, type ReactNode } from 'react';

interface Props {
  /** What failed, for the message: "sidebar", "tab", "page"… */
  name: string;
  children: ReactNode;
  /** A change of this value (e.g. the route) tries the children again. */
  resetKey?: unknown;
  /** For a tab that is not shown: its error stays hidden too. */
  hidden?: boolean;
  /** The class of the element the pane would be (its place in the layout). */
  className?: string;
  /** More buttons beside "Reload" (e.g. Close for a dialog). */
  actions?: ReactNode;
}

/**
 * One per pane: a pane that throws while rendering shows its error and a button to render it again; the rest of the
 * app keeps working. (React logs the error to the console as well.)
 */
export class ErrorBoundary extends Component<Props, { error: Error | null }> {
  state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  componentDidUpdate(prev: Props) {
    if (this.state.error && prev.resetKey !== this.props.resetKey) this.setState({ error: null });
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className={`pane-error ${this.props.className ?? ''}`} role="alert" hidden={this.props.hidden} data-testid="pane-error" data-pane={this.props.name}>
        <strong>This {this.props.name} failed to show.</strong>
        <pre className="pane-error-text">{error.message || String(error)}</pre>
        <p className="muted">The rest of AreYouJ keeps working. Nothing was lost: the server has the data.</p>
        <div className="pane-error-actions">
          <button className="btn primary small" onClick={() => this.setState({ error: null })} data-testid="pane-retry">Reload this {this.props.name}</button>
          <button className="btn small" onClick={() => location.reload()}>Reload the page</button>
          {this.props.actions}
        </div>
      </div>
    );
  }
}
