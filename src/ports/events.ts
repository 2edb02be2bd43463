import type { MatchProgressEvent } from '../matches/contract.ts';
import type { ReleaseEvent } from '../releases/contract.ts';
import type { ShareAudioEvent, ShareEndedEvent, ShareMetadataEvent } from '../share/contract.ts';
import type { MusicBrainzMatchEvent, TrendingRefreshedEvent } from '../trending/contract.ts';

/**
 * The one typed map of everything Backbeat pushes: over the bus between processes, to SSE and to WebSocket clients.
 * Each key is an event name; its value is the payload tuple, typed from the job's contract (`<job>/contract.ts`).
 */
export interface EventMap {
  /** A new album got its featured song. `eventId` is the `new_release_events.id` (monotonic). */
  new_release: [ReleaseEvent];
  /** The featured song of an album changed what users see (fingerprint changed). */
  release_updated: [ReleaseEvent];
  /** The trending document changed: a refresh stored new data, or failed and recorded why. */
  trending_refreshed: [TrendingRefreshedEvent];
  /** An album got its MusicBrainz outcome. */
  musicbrainz_match: [MusicBrainzMatchEvent];
  /** A track of a release matched in the background got its outcome (`done` of `total`). */
  match_progress: [MatchProgressEvent];
  /** A Share host updated its metadata (the merged metadata and the lyrics position). */
  'share.metadata': [ShareMetadataEvent];
  /** A Share host sent an audio chunk (base64 between processes; raw bytes to listeners). */
  'share.audio': [ShareAudioEvent];
  /** A Share session was stopped or found expired. */
  'share.ended': [ShareEndedEvent];
}
