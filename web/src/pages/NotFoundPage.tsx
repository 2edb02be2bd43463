import { Link, useLocation } from 'react-router';
import { useDocumentTitle } from '../hooks/useDocumentTitle.ts';

/** Any path the app has no page for. */
export function NotFoundPage() {
  useDocumentTitle('Page not found');
  const { pathname } = useLocation();
  return (
    <div className="empty not-found" data-testid="not-found">
      <h1 className="empty__title">Page not found</h1>
      <p className="empty__text">
        There is no page at <code>{pathname}</code>.
      </p>
      <Link className="btn btn--primary" to="/">
        Go to New Releases
      </Link>
    </div>
  );
}
