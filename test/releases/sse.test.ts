/**
 * The real-time contract of `GET /api/new-releases/events` over a real socket (DESIGN.md, "Real-time contract"):
 * headers, one `retry:`, heartbeats, live delivery of every committed event in order, gapless `Last-Event-ID` replay
 * from the database, an explicit `reset` past the replay window, and the same bytes for every client.
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/infra/db.ts';
import { MODES } from '../support/services.ts';
import { connectSse, type SseClient, type SseConnectOptions, type SseFrame } from '../support/sse-client.ts';
import { adminHeaders, openTestDb, resetDatabase, startStack, type Stack, type TestDb } from '../support/stack.ts';

/** Small on purpose: the tests below replay up to this many events and go past it. */
const REPLAY_LIMIT = 3;

interface EventRowView {
  id: number;
  type: string;
  songId: number;
  notified: boolean;
}

interface EventData {
  eventId: number;
  type: string;
  release: { id: number; title: string } & Record<string, unknown>;
  detectedAt: string;
}

const ids = (frames: readonly SseFrame[]) => frames.map((f) => Number(f.id));
const dataOf = (frame: SseFrame) => JSON.parse(frame.data ?? 'null') as EventData;

describe.each(MODES)('releases SSE stream (%s)', (mode) => {
  let db: TestDb;
  let stack: Stack;
  let url: string;
  const clients: SseClient[] = [];

  beforeAll(async () => {
    db = await openTestDb(mode, 'sse');
    stack = await startStack({
      db,
      listen: true,
      // The schedule must not add runs of its own during a test.
      env: { SSE_REPLAY_LIMIT: String(REPLAY_LIMIT), FETCH_CRON: '0 0 1 1 *' },
    });
    url = `${stack.url}/api/new-releases/events`;
  });
  afterAll(async () => {
    for (const client of clients.splice(0)) client.close();
    await stack?.close();
    await db?.close();
  });
  beforeEach(async () => {
    await resetDatabase(db.handle);
    stack.sandbox.reset();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  async function connect(options: SseConnectOptions & { query?: string } = {}): Promise<SseClient> {
    const client = await connectSse(options.query ? `${url}?${options.query}` : url, options);
    clients.push(client);
    expect(client.status).toBe(200);
    // Replay is written before the stream goes live; one heartbeat-free round trip makes sure this client is live
    // before the test causes events (a pending client would buffer them, which is fine, but keep tests simple).
    await waitLive();
    return client;
  }

  /** The hub has no pending connection: every open stream finished its replay and receives broadcasts. */
  async function waitLive(): Promise<void> {
    const deadline = Date.now() + 5000;
    while (stack.container.releases.stream.hub.stats().pending > 0) {
      if (Date.now() > deadline) throw new Error('an SSE connection stayed pending');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async function fetchRun(): Promise<{ runId: string; status: string; newAlbums: number; updated: number }> {
    const res = await stack.app.inject({
      method: 'POST',
      url: '/api/new-releases/fetch?wait=true',
      headers: adminHeaders,
    });
    expect(res.statusCode).toBe(200);
    const run = res.json<{ runId: string; status: string; newAlbums: number; updated: number; joined: boolean }>();
    expect(run.status).toBe('succeeded');
    expect(run.joined).toBe(false);
    return run;
  }

  async function eventRows(afterId = 0): Promise<EventRowView[]> {
    const rows = await queryRows<{ id: string | number; type: string; song_id: string | number; notified: boolean }>(
      db.handle.db,
      sql`SELECT id, type, song_id, notified FROM new_release_events WHERE id > ${afterId} ORDER BY id`,
    );
    return rows.map((r) => ({ id: Number(r.id), type: r.type, songId: Number(r.song_id), notified: r.notified }));
  }

  /** Releases `count` new albums upstream (each becomes one `new_release` on the next run). */
  function releaseAlbums(count: number): void {
    for (let i = 0; i < count; i++) stack.sandbox.jiosaavn.release({ language: i % 2 === 0 ? 'hindi' : 'tamil' });
  }

  it('answers with the event-stream headers, one retry line, and heartbeat comments', async () => {
    const client = await connect();
    expect(client.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(client.headers['cache-control']).toMatch(/no-cache/);
    // The first frame is `retry:` (a reconnection delay), before anything else.
    await client.waitFor((frames) => frames.length >= 1, 2000);
    expect(client.frames[0]!.retry).toBeGreaterThan(0);
    expect(client.frames[0]!.data).toBeUndefined();
    // SSE_HEARTBEAT_MS is 1000 in the harness: two heartbeats within a few seconds.
    const frames = await client.waitFor((fs) => fs.filter((f) => f.comments.length > 0).length >= 2, 4000);
    const heartbeats = frames.filter((f) => f.comments.length > 0);
    expect(heartbeats.every((f) => f.data === undefined && f.id === undefined)).toBe(true);
    // Events after heartbeats: still no second retry line.
    await fetchRun();
    await client.waitForEvents((await eventRows()).length);
    expect(client.frames.filter((f) => f.retry !== undefined)).toHaveLength(1);
  });

  it('delivers every event of a run live, in database order, as id/event/one JSON data line', async () => {
    const client = await connect();
    const run = await fetchRun();
    const rows = await eventRows();
    expect(rows.length).toBe(run.newAlbums);
    expect(rows.length).toBeGreaterThan(REPLAY_LIMIT);
    const events = await client.waitForEvents(rows.length);
    expect(ids(events)).toEqual(rows.map((r) => r.id));
    for (const [i, frame] of events.entries()) {
      const row = rows[i]!;
      expect(frame.event).toBe(row.type);
      expect(frame.event).toBe('new_release');
      // One data line: the raw frame has exactly one `data:` line, and it is the JSON below.
      expect(frame.raw.split('\n').filter((l) => l.startsWith('data:'))).toHaveLength(1);
      const data = dataOf(frame);
      expect(Object.keys(data).sort()).toEqual(['detectedAt', 'eventId', 'release', 'type']);
      expect(data).toMatchObject({ eventId: row.id, type: row.type, release: { id: row.songId, featured: true } });
      expect(Date.parse(data.detectedAt)).not.toBeNaN();
    }
    // Every event is marked published once the run finished.
    expect(rows.every((r) => r.notified)).toBe(true);
    // Nothing more arrives afterwards (no duplicate broadcast).
    await new Promise((r) => setTimeout(r, 300));
    expect(ids(client.events)).toEqual(rows.map((r) => r.id));
  });

  it('sends two clients byte-identical frames for the same event', async () => {
    const a = await connect();
    const b = await connect();
    await fetchRun();
    const count = (await eventRows()).length;
    const [ea, eb] = await Promise.all([a.waitForEvents(count), b.waitForEvents(count)]);
    expect(ea.map((f) => f.raw)).toEqual(eb.map((f) => f.raw));
    expect(ea.length).toBe(count);
  });

  it.each([
    ['the Last-Event-ID header', (id: number) => ({ lastEventId: id })],
    ['the lastEventId query parameter', (id: number) => ({ query: `lastEventId=${id}` })],
  ])('replays exactly the missed events after a reconnect with %s, then goes live', async (_how, reconnectWith) => {
    const first = await connect();
    await fetchRun();
    const initial = await eventRows();
    const seen = await first.waitForEvents(initial.length);
    const lastSeen = Number(seen.at(-1)!.id);
    expect(lastSeen).toBe(initial.at(-1)!.id);
    first.close();
    await first.ended;

    // Missed while away: exactly REPLAY_LIMIT events (the edge of the window still replays).
    releaseAlbums(REPLAY_LIMIT);
    const missedRun = await fetchRun();
    expect(missedRun.newAlbums).toBe(REPLAY_LIMIT);
    const missed = await eventRows(lastSeen);
    expect(missed).toHaveLength(REPLAY_LIMIT);

    // A live witness of later events, to compare bytes with.
    const witness = await connect();
    const again = await connect(reconnectWith(lastSeen));
    const replayed = await again.waitForEvents(missed.length);
    expect(ids(replayed)).toEqual(missed.map((r) => r.id));
    expect(replayed.every((f) => f.event === 'new_release')).toBe(true);
    expect(again.frames.some((f) => f.event === 'reset')).toBe(false);

    // Then live events, with no duplicate of the replayed ones.
    releaseAlbums(2);
    await fetchRun();
    const all = await eventRows(lastSeen);
    expect(all).toHaveLength(REPLAY_LIMIT + 2);
    const events = await again.waitForEvents(all.length);
    await new Promise((r) => setTimeout(r, 300));
    expect(ids(again.events)).toEqual(all.map((r) => r.id));
    expect(ids(events)).toEqual(all.map((r) => r.id));

    // The live part is byte-for-byte what a client that was never away received.
    const live = await witness.waitForEvents(2);
    expect(again.events.slice(-2).map((f) => f.raw)).toEqual(live.map((f) => f.raw));
  });

  it('a replayed event is byte-identical to its live frame', async () => {
    const live = await connect();
    await fetchRun();
    const rows = await eventRows();
    const liveEvents = await live.waitForEvents(rows.length);
    const from = rows.at(-REPLAY_LIMIT - 1)!.id;
    const replay = await connect({ lastEventId: from });
    const replayed = await replay.waitForEvents(REPLAY_LIMIT);
    expect(replayed.map((f) => f.raw)).toEqual(liveEvents.slice(-REPLAY_LIMIT).map((f) => f.raw));
  });

  it('sends one reset (with the latest id) when the client missed more than the replay window', async () => {
    await fetchRun();
    const rows = await eventRows();
    expect(rows.length).toBeGreaterThan(REPLAY_LIMIT + 1);
    const latest = rows.at(-1)!.id;

    // Just past the window: REPLAY_LIMIT + 1 missed.
    const from = rows.at(-REPLAY_LIMIT - 2)!.id;
    const client = await connect({ lastEventId: from });
    const [reset] = await client.waitForEvents(1);
    expect(reset).toMatchObject({ event: 'reset', id: String(latest) });
    expect(JSON.parse(reset!.data!)).toMatchObject({ reason: 'replay_window_exceeded', lastEventId: latest });
    // From the very start (id 0) as well.
    const fromZero = await connect({ lastEventId: 0 });
    await fromZero.waitForEvents(1);

    // Nothing else follows the reset; later events arrive live after it.
    await new Promise((r) => setTimeout(r, 300));
    for (const c of [client, fromZero]) {
      expect(c.events).toHaveLength(1);
      expect(c.events[0]).toMatchObject({ event: 'reset', id: String(latest) });
    }
    releaseAlbums(1);
    await fetchRun();
    const next = (await eventRows(latest)).map((r) => r.id);
    expect(next).toHaveLength(1);
    const after = await client.waitForEvents(2);
    expect(ids(after)).toEqual([latest, next[0]]);
    expect(after[1]!.event).toBe('new_release');
  });

  it('sends reset for an id the database never had, and nothing to a client that is up to date', async () => {
    await fetchRun();
    const latest = (await eventRows()).at(-1)!.id;

    const future = await connect({ lastEventId: latest + 1000 });
    const [reset] = await future.waitForEvents(1);
    expect(reset).toMatchObject({ event: 'reset', id: String(latest) });
    expect(JSON.parse(reset!.data!)).toMatchObject({ reason: 'unknown_event_id', lastEventId: latest });

    const upToDate = await connect({ lastEventId: latest });
    const viaQuery = await connect({ query: `lastEventId=${latest}` });
    // Give a replay every chance to arrive (a heartbeat proves the stream is flowing).
    await upToDate.waitFor((fs) => fs.some((f) => f.comments.length > 0), 3000);
    expect(upToDate.events).toEqual([]);
    expect(viaQuery.events).toEqual([]);

    // Both then get the next event live, once.
    releaseAlbums(1);
    await fetchRun();
    const [next] = await eventRows(latest);
    for (const c of [upToDate, viaQuery]) {
      const events = await c.waitForEvents(1);
      expect(ids(events)).toEqual([next!.id]);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(upToDate.events).toHaveLength(1);
    expect(viaQuery.events).toHaveLength(1);
  });

  it.each([
    ['lastEventId=abc', {}, 'querystring/lastEventId'],
    ['lastEventId=-1', {}, 'querystring/lastEventId'],
    ['lastEventId=1.5', {}, 'querystring/lastEventId'],
    ['lastEventId=1e3', {}, 'querystring/lastEventId'],
    ['lastEventId=', {}, 'querystring/lastEventId'],
    ['lastEventId=1&lastEventId=2', {}, 'querystring/lastEventId'],
    ['lastEventId=1234567890123456', {}, 'querystring/lastEventId'],
    ['lastEventId=abc', { 'last-event-id': '5' }, 'querystring/lastEventId'],
    ['', { 'last-event-id': 'abc' }, 'headers/last-event-id'],
    ['', { 'last-event-id': '-1' }, 'headers/last-event-id'],
    ['lastEventId=5', { 'last-event-id': '5x' }, 'headers/last-event-id'],
  ])('answers ?%s with headers %j by a 400 naming %s, and opens no stream', async (query, headers, location) => {
    const res = await fetch(query ? `${url}?${query}` : url, { headers: { accept: 'text/event-stream', ...headers } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      error: { code: 'BACKBEAT_ERR_VALIDATION', message: `${location} must be a non-negative integer` },
    });
    expect(stack.container.releases.stream.hub.stats()).toMatchObject({ connections: 0, pending: 0 });
  });

  it('refuses an unknown query parameter with the usual validation wording', async () => {
    const res = await fetch(`${url}?since=3`, { headers: { accept: 'text/event-stream' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { code: 'BACKBEAT_ERR_VALIDATION', message: 'querystring/since is not allowed' },
    });
    expect(stack.container.releases.stream.hub.size).toBe(0);
  });

  it('treats an empty Last-Event-ID header as none and streams from now', async () => {
    await fetchRun();
    const client = await connect({ headers: { 'last-event-id': '' } });
    await client.waitFor((fs) => fs.some((f) => f.comments.length > 0), 3000);
    expect(client.events).toEqual([]);
  });

  it('delivers release_updated after an upstream correction of a featured song', async () => {
    await fetchRun();
    const latest = (await eventRows()).at(-1)!.id;
    const [song] = await queryRows<{ id: string | number; external_id: string; title: string }>(
      db.handle.db,
      sql`SELECT id, external_id, title FROM songs WHERE featured AND kind = 'song' ORDER BY id LIMIT 1`,
    );
    expect(song).toBeDefined();
    const client = await connect({ lastEventId: latest });

    const correction = stack.sandbox.jiosaavn.correct({ songId: song!.external_id, field: 'title' });
    expect(correction.after).not.toBe(correction.before);
    const run = await fetchRun();
    expect(run.updated).toBeGreaterThanOrEqual(1);
    const rows = await eventRows(latest);
    expect(rows.map((r) => r.type)).toEqual(['release_updated']);

    const [frame] = await client.waitForEvents(1);
    expect(frame).toMatchObject({ event: 'release_updated', id: String(rows[0]!.id) });
    const data = dataOf(frame!);
    expect(data).toMatchObject({ eventId: rows[0]!.id, type: 'release_updated', release: { id: Number(song!.id) } });
    expect(data.release.title).toBe(correction.after);
    expect(data.release.title).not.toBe(song!.title);
  });
});
