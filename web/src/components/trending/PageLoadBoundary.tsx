import { Component, type ReactNode } from 'react';

interface State {
  failed: boolean;
}

/**
 * Catches a page (or part of one) whose code could not be loaded (the server went away, or a new version replaced
 * the files) or that failed to render, and offers a reload instead of leaving the app blank.
 */
export class PageLoadBoundary extends Component<{ children: ReactNode; what?: string }, State> {
  override state: State = { failed: false };

  static getDerivedStateFromError(): State {
    return { failed: true };
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <div className="empty empty--error" role="alert" data-testid="page-load-error">
        <p className="empty__title">Couldn’t open {this.props.what ?? 'this page'}</p>
        <p className="empty__text">Its code could not be loaded. Check the connection and try again.</p>
        <button type="button" className="btn btn--primary" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
