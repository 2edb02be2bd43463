/**
 * The one typed map of everything Backbeat pushes: over the bus between processes, to SSE and to WebSocket clients.
 * Each key is an event name; its value is the payload tuple.
 */
export interface EventMap {
  /** A new album got its featured song. `eventId` is the `new_release_events.id` (monotonic). */
  new_release: [ReleaseEventPayload];
  /** The featured song of an album changed what users see (fingerprint changed). */
  release_updated: [ReleaseEventPayload];
  /** A fetch run started or finished (for admin views and tests). */
  fetch_run: [FetchRunEventPayload];
}

export type EventName = keyof EventMap;

export interface ReleaseEventPayload {
  eventId: number;
  type: 'new_release' | 'release_updated';
  /** The release as `GET /api/new-releases` lists it (JSON-safe). */
  release: Record<string, unknown>;
  detectedAt: string;
}

export interface FetchRunEventPayload {
  runId: string;
  status: 'running' | 'succeeded' | 'partial' | 'failed';
}
