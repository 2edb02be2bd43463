import { useState } from 'react';
import {
  breakdownParts,
  formatDuration,
  formatScore,
  originLabel,
  platformLabel,
  sourceDescription,
  sourceLabel,
} from '../../lib/matches.ts';
import type { CandidateView, MatchSource, MatchValue } from '../../lib/types.ts';

/**
 * An upload's thumbnail from the upstream URL in the data, or a neutral placeholder (the platform's initial) when
 * there is none or it fails to load: the page never depends on it.
 */
export function Thumbnail({ url, platform }: { url: string | null; platform: string }) {
  const [failed, setFailed] = useState<string | null>(null);
  if (url && url !== failed) {
    return (
      <img
        className="thumb"
        src={url}
        alt=""
        width={96}
        height={54}
        loading="lazy"
        decoding="async"
        referrerPolicy="no-referrer"
        onError={() => setFailed(url)}
        data-testid="thumbnail"
      />
    );
  }
  return (
    <span className={`thumb thumb--empty thumb--${platform}`} aria-hidden="true" data-testid="thumbnail-placeholder">
      <svg viewBox="0 0 24 24">
        <path
          d="M9 18V5l12-2v13M9 18a3 3 0 1 1-6 0 3 3 0 0 1 6 0Zm12-2a3 3 0 1 1-6 0 3 3 0 0 1 6 0Z"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.6"
          strokeLinecap="round"
          strokeLinejoin="round"
        />
      </svg>
    </span>
  );
}

/** The tier that answered a track: cache, database or computed. */
export function SourceBadge({ source }: { source: MatchSource | null }) {
  return (
    <span
      className={`tier tier--${source ?? 'none'}`}
      data-testid="match-source"
      data-source={source ?? 'none'}
      title={sourceDescription(source)}
    >
      <span className="visually-hidden">Answered by: </span>
      {sourceLabel(source)}
    </span>
  );
}

/** A platform's name as a small tag. */
export function PlatformTag({ platform }: { platform: string }) {
  return (
    <span className={`platform platform--${platform}`} data-testid="platform">
      {platformLabel(platform)}
    </span>
  );
}

/** A link to an upload on its platform, opened in a new tab. */
export function UploadLink({
  url,
  children,
  className = 'cand__title',
  tabIndex,
}: {
  url: string;
  children: string;
  className?: string;
  tabIndex?: number;
}) {
  const safe = /^https?:\/\//i.test(url);
  if (!safe) return <span className={className}>{children}</span>;
  return (
    <a
      className={className}
      href={url}
      target="_blank"
      rel="noopener noreferrer"
      tabIndex={tabIndex}
      data-testid="upload-link"
    >
      {children}
    </a>
  );
}

/** A score of 0–1 as a percentage with a small bar. */
export function ScoreMeter({ score, label, testId }: { score: number; label: string; testId?: string }) {
  const value = Math.min(1, Math.max(0, Number.isFinite(score) ? score : 0));
  const tone = value >= 0.8 ? 'high' : value >= 0.5 ? 'mid' : 'low';
  return (
    <span className={`score score--${tone}`} data-testid={testId} data-score={value}>
      <span className="score__value">
        <span className="visually-hidden">{label}: </span>
        {formatScore(value)}
      </span>
      <span className="score__bar" aria-hidden="true">
        <span className="score__fill" style={{ width: `${value * 100}%` }} />
      </span>
    </span>
  );
}

/** The per-field breakdown of a candidate's score. */
export function Breakdown({ candidate }: { candidate: CandidateView }) {
  return (
    <dl className="breakdown" data-testid="breakdown">
      {breakdownParts(candidate.breakdown).map((part) => (
        <div className={`breakdown__part breakdown__part--${part.key}`} key={part.key} data-part={part.key}>
          <dt>{part.label}</dt>
          <dd>{part.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Props of {@link CandidateCard}. */
export interface CandidateCardProps {
  candidate: CandidateView;
  /** Chosen (the proposed upload) or the runner-up. */
  role: 'chosen' | 'runner-up';
  /** The stored confidence, when it is this candidate's (else its score is shown). */
  confidence?: number;
  /** Links inside a keyboard-driven list are left out of the tab order. */
  linkTabIndex?: number;
}

/** An upload with its thumbnail, where it was found, its score and the score's breakdown. */
export function CandidateCard({ candidate, role, confidence, linkTabIndex }: CandidateCardProps) {
  const score = confidence ?? candidate.breakdown.total;
  return (
    <div
      className={`cand cand--${role}`}
      data-testid={role}
      data-url={candidate.url}
      data-platform={candidate.platform}
    >
      <Thumbnail url={candidate.thumbnailUrl} platform={candidate.platform} />
      <div className="cand__body">
        <p className="cand__eyebrow">
          {role === 'chosen' ? 'Chosen' : 'Runner-up'} · {originLabel(candidate.origin)}
        </p>
        <UploadLink url={candidate.url} tabIndex={linkTabIndex}>
          {candidate.title || candidate.url}
        </UploadLink>
        <p className="cand__meta">
          <PlatformTag platform={candidate.platform} />
          {candidate.uploader && <span>{candidate.uploader}</span>}
          <span>{formatDuration(candidate.durationSeconds)}</span>
        </p>
        <Breakdown candidate={candidate} />
      </div>
      <ScoreMeter
        score={score}
        label={role === 'chosen' ? 'Confidence' : 'Score'}
        testId={role === 'chosen' ? 'confidence' : 'runner-up-score'}
      />
    </div>
  );
}

/**
 * A match without its candidate (an answer from the cache tier, or an upload pasted by an admin): the link, the
 * platform and the confidence.
 */
export function BareMatch({ match, linkTabIndex }: { match: MatchValue; linkTabIndex?: number }) {
  return (
    <div
      className="cand cand--chosen cand--bare"
      data-testid="chosen"
      data-url={match.matchUrl}
      data-platform={match.platform}
    >
      <Thumbnail url={null} platform={match.platform} />
      <div className="cand__body">
        <p className="cand__eyebrow">Match</p>
        <UploadLink url={match.matchUrl} tabIndex={linkTabIndex}>
          {match.matchUrl}
        </UploadLink>
        <p className="cand__meta">
          <PlatformTag platform={match.platform} />
        </p>
        <p className="cand__note" data-testid="breakdown-missing">
          No score breakdown in this answer: the cache tier keeps the match only.
        </p>
      </div>
      <ScoreMeter score={match.confidence} label="Confidence" testId="confidence" />
    </div>
  );
}
