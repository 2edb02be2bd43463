const CARDS = 12;

/** Placeholders of the Browse page before its first answer (also shown while the page's code loads). */
export function BrowseSkeleton() {
  return (
    <div data-testid="browse-skeleton" aria-busy="true">
      <p className="visually-hidden" role="status">
        Loading the charts…
      </p>
      <span className="skeleton skeleton--freshness" aria-hidden="true" />
      <ul className="grid browse-grid" aria-hidden="true">
        {Array.from({ length: CARDS }, (_, i) => (
          <li className="card card--skeleton" key={i}>
            <div className="card__cover skeleton" />
            <div className="card__body">
              <span className="skeleton skeleton--line" />
              <span className="skeleton skeleton--line skeleton--short" />
              <span className="skeleton skeleton--line skeleton--tiny" />
            </div>
            <div className="card__actions">
              <span className="skeleton skeleton--pill" />
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
