import { formatDuration, settledByLabel, statusLabel, statusTone, type MatchAction } from '../../lib/matches.ts';
import { formatRelative } from '../../lib/time.ts';
import type { TrackMatch } from '../../lib/types.ts';
import { StatusPill } from '../admin/StatusPill.tsx';
import { BareMatch, CandidateCard, SourceBadge } from './Candidate.tsx';
import { TrackActions } from './TrackActions.tsx';

/** Props of {@link Tracklist}. */
export interface TracklistProps {
  tracks: readonly TrackMatch[];
  /** The release's artists: a track's own artists are shown only when they differ. */
  releaseArtists: readonly string[];
  now: number;
  onAction: (track: TrackMatch, action: MatchAction) => Promise<void>;
}

function sameArtists(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

function verification(track: TrackMatch, now: number): string | null {
  const match = track.match;
  if (!match?.approved) return null;
  const by =
    match.verifiedBy === null ? null : match.verifiedBy === 'auto' ? 'automatically' : `by ${match.verifiedBy}`;
  const when = match.verifiedAt ? formatRelative(match.verifiedAt, now) : null;
  return ['Approved', by, when].filter(Boolean).join(' ');
}

function TrackRow({ track, releaseArtists, now, onAction }: { track: TrackMatch } & Omit<TracklistProps, 'tracks'>) {
  const titleId = `track-${track.releaseId}-${track.trackIndex}`;
  const settled = settledByLabel(track.settledBy);
  const verified = verification(track, now);
  const confidence =
    track.match && track.chosen && track.match.matchUrl === track.chosen.url ? track.match.confidence : undefined;
  return (
    <li
      className={`mtrack mtrack--${track.status}`}
      aria-labelledby={titleId}
      data-testid="track"
      data-track-index={track.trackIndex}
      data-status={track.status}
      data-source={track.source ?? 'none'}
    >
      <div className="mtrack__head">
        <span className="mtrack__pos">{track.position || track.trackIndex + 1}</span>
        <div className="mtrack__heading">
          <h3 className="mtrack__title" id={titleId} data-testid="track-title">
            {track.title}
          </h3>
          <p className="mtrack__meta">
            {!sameArtists(track.artists, releaseArtists) && track.artists.length > 0 && (
              <span>{track.artists.join(', ')}</span>
            )}
            <span data-testid="track-duration">{formatDuration(track.durationSeconds)}</span>
          </p>
        </div>
        <div className="mtrack__badges">
          <StatusPill tone={statusTone(track.status)} testId="match-status">
            {statusLabel(track.status)}
          </StatusPill>
          <SourceBadge source={track.source} />
        </div>
      </div>

      {track.error && (
        <p className="notice notice--error mtrack__error" role="alert" data-testid="track-error">
          {track.error.message.replace(/[.!]?$/, '.')} <code>{track.error.code}</code>
        </p>
      )}

      <div className={`mtrack__body${track.runnerUp ? ' mtrack__body--pair' : ''}`}>
        {track.chosen ? (
          <CandidateCard candidate={track.chosen} role="chosen" confidence={confidence} />
        ) : track.match ? (
          <BareMatch match={track.match} />
        ) : (
          !track.error && (
            <p className="mtrack__none" data-testid="no-candidate">
              {track.status === 'deferred'
                ? 'Deferred: a platform had no search budget left; the track is matched again when tokens return.'
                : 'No upload found for this track. Paste the right one if you know it.'}
            </p>
          )
        )}
        {track.runnerUp && <CandidateCard candidate={track.runnerUp} role="runner-up" />}
      </div>

      {(settled || verified) && <p className="mtrack__foot">{[settled, verified].filter(Boolean).join(' · ')}</p>}
      <TrackActions track={track} onAction={onAction} />
    </li>
  );
}

/** A release's tracklist, each track with its status, the tier that answered, its chosen upload and runner-up. */
export function Tracklist({ tracks, releaseArtists, now, onAction }: TracklistProps) {
  if (tracks.length === 0) {
    return (
      <div className="empty" data-testid="tracklist-empty">
        <p className="empty__title">No playable tracks</p>
        <p className="empty__text">Discogs lists no playable track for this release (headings only).</p>
      </div>
    );
  }
  return (
    <ol className="mtracks" data-testid="tracklist">
      {tracks.map((track) => (
        <TrackRow key={track.trackIndex} track={track} releaseArtists={releaseArtists} now={now} onAction={onAction} />
      ))}
    </ol>
  );
}
