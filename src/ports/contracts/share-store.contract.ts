import { describe, expect } from 'vitest';
import type { ShareStore, ShareStoreSettings, StartOutcome, StoredChunk } from '../share-store.ts';
import { contractTests, instances, realTime, type ContractOptions } from './support.ts';

export interface ShareStoreContractOptions extends Omit<ContractOptions<ShareStore>, 'create'> {
  /**
   * A new store on the shared backend with these settings (the seed's for any not given). Stores from this factory
   * must see each other's sessions, as processes sharing one Redis do.
   */
  create: (settings?: Partial<ShareStoreSettings>) => Promise<ShareStore>;
  /** Empties the backend; runs after each test once its stores are closed, so every test starts with no session. */
  cleanup: () => Promise<void>;
}

/**
 * The written semantics of {@link ShareStore}, run against every adapter. Lifetimes run on `options.clock`: a manual
 * clock for the in-process adapter (each step is instant), real time for Redis, which expires keys itself. The
 * lifetimes are shortened and every check sits at least 150 ms from the expiry it is about, for a loaded machine.
 */
export function runShareStoreContract(options: ShareStoreContractOptions): void {
  describe(`ShareStore contract: ${options.name}`, () => {
    const { test, done } = contractTests(options.skip);
    const clock = options.clock ?? realTime;
    // `instances` calls its factory without arguments: the settings of the store being opened travel beside it.
    let settingsOfNext: Partial<ShareStoreSettings> | undefined;
    const openTracked = instances(() => options.create(settingsOfNext), options.cleanup);
    const open = (settings?: Partial<ShareStoreSettings>): Promise<ShareStore> => {
      settingsOfNext = settings;
      return openTracked();
    };

    const started = async (store: ShareStore, id: string, listenerToken = `token-${id}`) => {
      const outcome = await store.start(id, { listenerToken, maxSessions: 100 });
      if (outcome.status !== 'started') throw new Error(`expected ${id} to start, got ${outcome.status}`);
      return outcome.session;
    };

    test('start creates an active session and returns its record', async () => {
      const store = await open();
      const before = clock.now();
      const outcome = await store.start('100001', { listenerToken: 'tok-1', maxSessions: 10 });
      const after = clock.now();
      expect(outcome.status).toBe('started');
      const session = (outcome as Extract<StartOutcome, { status: 'started' }>).session;
      expect(session).toEqual({
        active: true,
        startTime: expect.any(Number) as number,
        lastActivity: session.startTime,
        listenerCount: 0,
        bytesTransferred: 0,
        stoppedAt: undefined,
        listenerToken: 'tok-1',
      });
      expect(session.startTime).toBeGreaterThanOrEqual(before);
      expect(session.startTime).toBeLessThanOrEqual(after);
      expect(await store.session('100001')).toEqual(session);
      expect(await store.activeSessions()).toBe(1);
    });

    test('reads of an unknown session find nothing', async () => {
      const store = await open();
      expect(await store.session('100404')).toBeUndefined();
      expect(await store.metadata('100404')).toBeUndefined();
      expect(await store.chunksSince('100404', -1)).toBeUndefined();
      expect(await store.listenerCount('100404')).toBe(0);
      expect(await store.stop('100404')).toBeUndefined();
      expect(await store.activeSessions()).toBe(0);
    });

    test('start refuses an id whose session is active, from any store', async () => {
      const [a, b] = [await open(), await open()];
      await started(a, '100001', 'first');
      expect(await a.start('100001', { listenerToken: 'second', maxSessions: 10 })).toEqual({ status: 'in_use' });
      expect(await b.start('100001', { listenerToken: 'third', maxSessions: 10 })).toEqual({ status: 'in_use' });
      expect((await b.session('100001'))?.listenerToken).toBe('first');
    });

    test('start after stop replaces the session, its metadata, audio and listeners', async () => {
      const store = await open();
      await started(store, '100001', 'old-token');
      await store.putMetadata('100001', { title: 'Old', artist: 'Someone' });
      await store.putChunk('100001', chunk(1));
      await store.putChunk('100001', chunk(2));
      await store.seeListeners('100001', [{ key: 'listener-a', untilMs: clock.now() + 60_000 }]);
      await store.stop('100001');

      const before = clock.now();
      const session = await started(store, '100001', 'new-token');
      expect(session).toMatchObject({
        active: true,
        listenerCount: 0,
        bytesTransferred: 0,
        stoppedAt: undefined,
        listenerToken: 'new-token',
      });
      expect(session.startTime).toBeGreaterThanOrEqual(before);
      expect(await store.session('100001')).toEqual(session);
      expect(await store.metadata('100001')).toBeUndefined();
      expect(await store.chunksSince('100001', -1)).toEqual([]);
      expect(await store.listenerCount('100001')).toBe(0);
      expect(await store.activeSessions()).toBe(1);
    });

    test('start refuses when maxSessions sessions are active; stopped sessions leave their slot', async () => {
      const store = await open();
      const init = { listenerToken: 't', maxSessions: 2 };
      expect((await store.start('100001', init)).status).toBe('started');
      expect((await store.start('100002', init)).status).toBe('started');
      expect(await store.start('100003', init)).toEqual({ status: 'full', active: 2 });
      // An active id is in use whether or not there is room.
      expect(await store.start('100001', init)).toEqual({ status: 'in_use' });
      expect(await store.start('100004', { listenerToken: 't', maxSessions: 0 })).toEqual({
        status: 'full',
        active: 2,
      });
      expect(await store.session('100003')).toBeUndefined();

      await store.stop('100001');
      expect(await store.activeSessions()).toBe(1);
      expect((await store.start('100003', init)).status).toBe('started');
      expect(await store.start('100001', init)).toEqual({ status: 'full', active: 2 });
      expect(await store.activeSessions()).toBe(2);
    });

    test('maxSessions holds across stores on one backend', async () => {
      const [a, b] = [await open(), await open()];
      const init = { listenerToken: 't', maxSessions: 2 };
      expect((await a.start('100001', init)).status).toBe('started');
      expect((await b.start('100002', init)).status).toBe('started');
      expect(await a.start('100003', init)).toEqual({ status: 'full', active: 2 });
      expect(await b.start('100003', init)).toEqual({ status: 'full', active: 2 });
      await a.stop('100002');
      expect((await b.start('100003', init)).status).toBe('started');
      expect(await a.activeSessions()).toBe(2);
      expect(await b.activeSessions()).toBe(2);
    });

    test('concurrent starts of distinct ids take exactly the free slots', async () => {
      const stores = [await open(), await open()];
      const race = (ids: string[], maxSessions: number) =>
        Promise.all(ids.map((id, i) => stores[i % 2]!.start(id, { listenerToken: `t-${id}`, maxSessions })));

      const first = await race(ids(200_000, 12), 5);
      expect(first.filter((o) => o.status === 'started')).toHaveLength(5);
      expect(first.filter((o) => o.status === 'full')).toEqual(Array(7).fill({ status: 'full', active: 5 }));
      expect(await stores[0]!.activeSessions()).toBe(5);

      // One slot free, six ids racing for it.
      const winner = first.findIndex((o) => o.status === 'started');
      await stores[1]!.stop(String(200_000 + winner));
      const second = await race(ids(300_000, 6), 5);
      expect(second.filter((o) => o.status === 'started')).toHaveLength(1);
      expect(await stores[1]!.activeSessions()).toBe(5);
    });

    test('concurrent starts of one id: exactly one succeeds', async () => {
      const stores = [await open(), await open()];
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          stores[i % 2]!.start('123456', { listenerToken: `token-${i}`, maxSessions: 10 }),
        ),
      );
      const winners = outcomes.flatMap((o, i) => (o.status === 'started' ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(outcomes.filter((o) => o.status === 'in_use')).toHaveLength(9);
      expect((await stores[0]!.session('123456'))?.listenerToken).toBe(`token-${winners[0]}`);
      expect(await stores[1]!.activeSessions()).toBe(1);
    });

    test('putMetadata merges fields, and metadata returns a copy', async () => {
      const store = await open();
      await started(store, '100001');
      expect(await store.putMetadata('100001', { title: 'Jeans', artist: 'A' })).toBe(true);
      expect(await store.putMetadata('100001', { title: 'Ñandú — 東京 🎵', lyrics: '[00:01.00]la' })).toBe(true);
      expect(await store.putMetadata('100001', {})).toBe(true);
      const metadata = await store.metadata('100001');
      expect(metadata).toEqual({ title: 'Ñandú — 東京 🎵', artist: 'A', lyrics: '[00:01.00]la' });
      metadata!.title = 'mutated';
      expect((await store.metadata('100001'))?.title).toBe('Ñandú — 東京 🎵');
    });

    test('metadata expires metadataMs after its last write', async () => {
      const store = await open({ metadataMs: 800 });
      await started(store, '100001');
      await store.putMetadata('100001', { title: 'A' });
      await clock.advance(400);
      expect(await store.metadata('100001')).toEqual({ title: 'A' });
      await store.putMetadata('100001', { artist: 'B' });
      await clock.advance(600);
      // 1000 ms after the first write, 600 ms after the second.
      expect(await store.metadata('100001')).toEqual({ title: 'A', artist: 'B' });
      await clock.advance(400);
      expect(await store.metadata('100001')).toBeUndefined();
      // The session outlives its metadata; a new write starts from nothing.
      expect(await store.putMetadata('100001', { title: 'C' })).toBe(true);
      expect(await store.metadata('100001')).toEqual({ title: 'C' });
    });

    test('writes to an unknown session answer false and store nothing', async () => {
      const store = await open();
      expect(await store.putMetadata('100404', { title: 'x' })).toBe(false);
      expect(await store.putChunk('100404', chunk(1))).toBe(false);
      expect(await store.metadata('100404')).toBeUndefined();
      expect(await store.chunksSince('100404', -1)).toBeUndefined();
      expect(await store.session('100404')).toBeUndefined();
      expect(await store.activeSessions()).toBe(0);
    });

    test('writes to a stopped session answer false and store nothing', async () => {
      const store = await open();
      await started(store, '100001');
      await store.putMetadata('100001', { title: 'A' });
      await store.putChunk('100001', chunk(1, 'a', 10));
      const stopped = await store.stop('100001');
      await clock.advance(5);
      expect(await store.putMetadata('100001', { title: 'B', artist: 'B' })).toBe(false);
      expect(await store.putChunk('100001', chunk(2, 'b', 20))).toBe(false);
      expect(await store.metadata('100001')).toEqual({ title: 'A' });
      expect(seqs(await store.chunksSince('100001', -1))).toEqual([1]);
      expect(await store.session('100001')).toEqual(stopped);
      expect(stopped?.bytesTransferred).toBe(10);
    });

    test('chunks come back ordered by sequence number whatever order they arrived in', async () => {
      const store = await open();
      await started(store, '100001');
      for (const seq of [3, 1, 4, 0, 2, 10, 7]) expect(await store.putChunk('100001', chunk(seq))).toBe(true);
      expect(seqs(await store.chunksSince('100001', -1))).toEqual([0, 1, 2, 3, 4, 7, 10]);
    });

    test('a chunk with a stored sequence number replaces it', async () => {
      const store = await open();
      await started(store, '100001');
      await store.putChunk('100001', chunk(1, 'one'));
      await store.putChunk('100001', chunk(2, 'first'));
      await store.putChunk('100001', chunk(2, 'second'));
      await store.putChunk('100001', chunk(3, 'three'));
      const chunks = await store.chunksSince('100001', -1);
      expect(chunks).toEqual([chunk(1, 'one').json, chunk(2, 'second').json, chunk(3, 'three').json]);
    });

    test('keeps the newest maxChunks chunks, never more, even while they arrive concurrently', async () => {
      const store = await open();
      const reader = await open();
      await started(store, '100001');
      // 80 chunks in a scrambled order (37 is coprime with 80), with reads between them.
      const order = Array.from({ length: 80 }, (_, i) => (i * 37) % 80);
      const sizes: number[] = [];
      await Promise.all(
        order.map(async (seq, i) => {
          expect(await store.putChunk('100001', chunk(seq, `d${seq}`, 100))).toBe(true);
          if (i % 4 === 0) sizes.push((await reader.chunksSince('100001', -1))?.length ?? -1);
        }),
      );
      expect(Math.max(...sizes)).toBeLessThanOrEqual(50);
      expect(seqs(await store.chunksSince('100001', -1))).toEqual(range(30, 80));
      // A chunk older than the whole buffer is counted but not kept.
      expect(await store.putChunk('100001', chunk(5, 'late', 100))).toBe(true);
      expect(seqs(await store.chunksSince('100001', -1))).toEqual(range(30, 80));
      expect((await store.session('100001'))?.bytesTransferred).toBe(8100);
    });

    test('maxChunks is a setting', async () => {
      const store = await open({ maxChunks: 3 });
      await started(store, '100001');
      for (const seq of [5, 1, 4, 2, 3]) await store.putChunk('100001', chunk(seq));
      expect(seqs(await store.chunksSince('100001', -1))).toEqual([3, 4, 5]);
    });

    test('chunksSince returns only chunks above the given sequence number', async () => {
      const store = await open();
      await started(store, '100001');
      for (const seq of range(0, 10)) await store.putChunk('100001', chunk(seq));
      expect(seqs(await store.chunksSince('100001', 5))).toEqual([6, 7, 8, 9]);
      expect(seqs(await store.chunksSince('100001', 8.5))).toEqual([9]);
      expect(await store.chunksSince('100001', 9)).toEqual([]);
      expect(await store.chunksSince('100001', 100)).toEqual([]);
      expect(seqs(await store.chunksSince('100001', -1))).toEqual(range(0, 10));
    });

    test('the audio buffer expires audioMs after its last chunk', async () => {
      const store = await open({ audioMs: 800 });
      await started(store, '100001');
      await store.putChunk('100001', chunk(0));
      await clock.advance(400);
      await store.putChunk('100001', chunk(1));
      await clock.advance(600);
      // 1000 ms after the first chunk, 600 ms after the last.
      expect(seqs(await store.chunksSince('100001', -1))).toEqual([0, 1]);
      await clock.advance(400);
      expect(await store.chunksSince('100001', -1)).toEqual([]);
      // The session outlives its audio; the next chunk starts a new buffer.
      expect(await store.putChunk('100001', chunk(2))).toBe(true);
      expect(seqs(await store.chunksSince('100001', -1))).toEqual([2]);
    });

    test('a session expires sessionMs after its last activity, and activity extends it', async () => {
      const store = await open({ sessionMs: 800 });
      const first = await started(store, '100001');
      await clock.advance(400);
      expect(await store.putMetadata('100001', { title: 'A' })).toBe(true);
      await clock.advance(600);
      // 1000 ms after the start, 600 ms after the metadata.
      const afterMetadata = await store.session('100001');
      expect(afterMetadata?.active).toBe(true);
      expect(afterMetadata!.lastActivity).toBeGreaterThan(first.startTime);
      expect(afterMetadata!.startTime).toBe(first.startTime);
      expect(await store.putChunk('100001', chunk(1))).toBe(true);
      await clock.advance(600);
      const afterChunk = await store.session('100001');
      expect(afterChunk?.active).toBe(true);
      expect(afterChunk!.lastActivity).toBeGreaterThan(afterMetadata!.lastActivity);
      expect(await store.activeSessions()).toBe(1);
      await clock.advance(400);
      // 1000 ms after the chunk.
      expect(await store.session('100001')).toBeUndefined();
      expect(await store.activeSessions()).toBe(0);
      expect(await store.putMetadata('100001', { title: 'B' })).toBe(false);
      expect(await store.putChunk('100001', chunk(2))).toBe(false);
      // The id is free again, and the slot too.
      const again = await store.start('100001', { listenerToken: 'again', maxSessions: 1 });
      expect(again.status).toBe('started');
      expect(await store.metadata('100001')).toBeUndefined();
      expect(await store.chunksSince('100001', -1)).toEqual([]);
    });

    test('stop marks the session inactive, keeps it readable for graceMs, and frees its slot', async () => {
      const store = await open({ graceMs: 500 });
      const session = await started(store, '100001');
      await store.putChunk('100001', chunk(1, 'x', 42));
      const before = clock.now();
      const stopped = await store.stop('100001');
      const after = clock.now();
      expect(stopped).toMatchObject({
        active: false,
        startTime: session.startTime,
        bytesTransferred: 42,
        listenerToken: session.listenerToken,
      });
      expect(stopped!.stoppedAt).toBeGreaterThanOrEqual(before);
      expect(stopped!.stoppedAt).toBeLessThanOrEqual(after);
      expect(await store.session('100001')).toEqual(stopped);
      expect(await store.activeSessions()).toBe(0);
      // Stopping again changes nothing.
      await clock.advance(50);
      expect(await store.stop('100001')).toEqual(stopped);
      await clock.advance(250);
      // 300 ms after the stop.
      expect(await store.session('100001')).toEqual(stopped);
      await clock.advance(400);
      expect(await store.session('100001')).toBeUndefined();
      expect(await store.stop('100001')).toBeUndefined();
    });

    test('bytesTransferred sums the bytes of every stored chunk', async () => {
      const store = await open();
      await started(store, '100001');
      await store.putChunk('100001', chunk(1, 'a', 1000));
      await store.putChunk('100001', chunk(2, 'b', 0));
      await store.putChunk('100001', chunk(2, 'c', 24));
      await store.putChunk('100002', chunk(3, 'unknown session', 500));
      expect((await store.session('100001'))?.bytesTransferred).toBe(1024);
    });

    test('listenerCount counts listener keys until their time passes', async () => {
      const store = await open();
      await started(store, '100001');
      const t0 = clock.now();
      expect(
        await store.seeListeners('100001', [
          { key: 'a', untilMs: t0 + 500 },
          { key: 'b', untilMs: t0 + 1000 },
        ]),
      ).toBe(2);
      expect((await store.session('100001'))?.listenerCount).toBe(2);
      await clock.advance(700);
      expect(await store.listenerCount('100001')).toBe(1);
      // The session's field follows the last count written, not each read.
      expect((await store.session('100001'))?.listenerCount).toBe(2);
      // Seen again: counted again, until its new time.
      expect(await store.seeListeners('100001', [{ key: 'a', untilMs: clock.now() + 800 }])).toBe(2);
      await clock.advance(500);
      expect(await store.listenerCount('100001')).toBe(1);
      await clock.advance(500);
      expect(await store.listenerCount('100001')).toBe(0);
      expect(await store.seeListeners('100001', [])).toBe(0);
      expect((await store.session('100001'))?.listenerCount).toBe(0);
    });

    test('forgetListeners removes listener keys', async () => {
      const store = await open();
      await started(store, '100001');
      const until = clock.now() + 60_000;
      await store.seeListeners('100001', [
        { key: 'a', untilMs: until },
        { key: 'b', untilMs: until },
        { key: 'c', untilMs: until },
      ]);
      await store.forgetListeners('100001', ['a', 'never-seen']);
      await store.forgetListeners('100001', []);
      await store.forgetListeners('100404', ['a']);
      expect(await store.listenerCount('100001')).toBe(2);
      await store.forgetListeners('100001', ['b', 'c']);
      expect(await store.listenerCount('100001')).toBe(0);
    });

    test('listeners seen through one store are counted by another', async () => {
      const [a, b] = [await open(), await open()];
      await started(a, '100001');
      const until = clock.now() + 60_000;
      expect(await a.seeListeners('100001', [{ key: 'on-a', untilMs: until }])).toBe(1);
      expect(await b.seeListeners('100001', [{ key: 'on-b', untilMs: until }])).toBe(2);
      expect(await a.listenerCount('100001')).toBe(2);
      expect((await a.session('100001'))?.listenerCount).toBe(2);
      await b.forgetListeners('100001', ['on-a']);
      expect(await a.listenerCount('100001')).toBe(1);
    });

    test('seeListeners never creates a session', async () => {
      const store = await open({ graceMs: 300 });
      const until = clock.now() + 60_000;
      expect(await store.seeListeners('100404', [{ key: 'a', untilMs: until }])).toBe(1);
      expect(await store.session('100404')).toBeUndefined();
      await started(store, '100001');
      await store.stop('100001');
      await clock.advance(500);
      await store.seeListeners('100001', [{ key: 'a', untilMs: clock.now() + 60_000 }]);
      expect(await store.session('100001')).toBeUndefined();
      expect(await store.activeSessions()).toBe(0);
    });

    test('activeSessions counts the active sessions of every store', async () => {
      const [a, b] = [await open(), await open()];
      await started(a, '100001');
      await started(a, '100002');
      await started(b, '100003');
      expect(await a.activeSessions()).toBe(3);
      expect(await b.activeSessions()).toBe(3);
      await b.stop('100002');
      expect(await a.activeSessions()).toBe(2);
    });

    test('rejects a chunk whose bytes or sequence number cannot be stored, storing nothing', async () => {
      const store = await open();
      await started(store, '100001');
      await expect(store.putChunk('100001', { ...chunk(1), bytes: 1.5 })).rejects.toThrow(RangeError);
      await expect(store.putChunk('100001', { ...chunk(1), bytes: -1 })).rejects.toThrow(RangeError);
      await expect(store.putChunk('100001', { ...chunk(1), sequenceNumber: Number.NaN })).rejects.toThrow(RangeError);
      expect(await store.chunksSince('100001', -1)).toEqual([]);
      expect((await store.session('100001'))?.bytesTransferred).toBe(0);
    });

    test('ping resolves while the backend is up; calls after close reject', async () => {
      const store = await open();
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      await expect(store.session('100001')).rejects.toThrow();
      await expect(store.start('100001', { listenerToken: 't', maxSessions: 1 })).rejects.toThrow();
      await expect(store.ping()).rejects.toThrow();
      await expect(store.close()).resolves.toBeUndefined();
    });

    done();
  });
}

/** A chunk as the Share relay stores it: JSON carrying its sequence number. */
function chunk(sequenceNumber: number, data = 'AAAA', bytes = 3): StoredChunk {
  return { sequenceNumber, json: JSON.stringify({ sequenceNumber, data }), bytes };
}

function seqs(jsons: string[] | undefined): number[] {
  if (!jsons) throw new Error('chunksSince found no session');
  return jsons.map((json) => (JSON.parse(json) as { sequenceNumber: number }).sequenceNumber);
}

/** Integers from `from` up to `to` (excluded). */
function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** `count` six-digit session ids from `first`. */
function ids(first: number, count: number): string[] {
  return range(first, first + count).map(String);
}
