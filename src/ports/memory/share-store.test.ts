import { describe, expect, it } from 'vitest';
import { ManualClock } from '../contracts/manual-clock.ts';
import { runShareStoreContract } from '../contracts/share-store.contract.ts';
import { MemoryShareBackend, MemoryShareStore } from './share-store.ts';

// Stores from the factory share one backend, as processes share Redis; each test gets a fresh one.
const clock = new ManualClock();
let backend = new MemoryShareBackend();
runShareStoreContract({
  name: 'MemoryShareStore',
  create: async (settings) =>
    new MemoryShareStore({ backend, now: () => clock.now(), ...(settings ? { settings } : {}) }),
  cleanup: async () => {
    backend = new MemoryShareBackend();
  },
  clock,
});

describe(MemoryShareStore.name, () => {
  it('drops expired records of sessions nobody reads again', async () => {
    let now = 1_000_000;
    const held = new MemoryShareBackend();
    const store = new MemoryShareStore({
      backend: held,
      now: () => now,
      settings: { sessionMs: 5000, metadataMs: 3000, audioMs: 2000, graceMs: 1000 },
    });
    for (const id of ['100001', '100002', '100003']) {
      await store.start(id, { listenerToken: 't', maxSessions: 10 });
      await store.putMetadata(id, { title: id });
      await store.putChunk(id, { sequenceNumber: 1, json: '{}', bytes: 1 });
      await store.seeListeners(id, [{ key: 'k', untilMs: now + 500 }]);
    }
    await store.stop('100003');
    expect(held.sessions.size).toBe(3);

    now += 1500;
    await store.session('100001');
    expect(held.sessions.size).toBe(2); // the stopped session's grace is over
    expect(held.listeners.size).toBe(0);
    expect(held.metadata.size).toBe(3);

    now += 4000;
    await store.activeSessions();
    expect([held.sessions.size, held.metadata.size, held.audio.size]).toEqual([0, 0, 0]);
  });

  it('sweeps at most once a second', async () => {
    let now = 1_000_000;
    const held = new MemoryShareBackend();
    const store = new MemoryShareStore({ backend: held, now: () => now, settings: { sessionMs: 100 } });
    await store.start('100001', { listenerToken: 't', maxSessions: 10 });
    await store.start('100002', { listenerToken: 't', maxSessions: 10 });
    now += 200;
    // Both expired; reading one drops it, the other waits for the next sweep.
    expect(await store.session('100001')).toBeUndefined();
    expect(held.sessions.size).toBe(1);
    now += 1000;
    await store.ping().then(() => store.activeSessions());
    expect(held.sessions.size).toBe(0);
  });

  it('keeps stores on different backends apart', async () => {
    const a = new MemoryShareStore();
    const b = new MemoryShareStore();
    await a.start('100001', { listenerToken: 't', maxSessions: 1 });
    expect((await b.start('100002', { listenerToken: 't', maxSessions: 1 })).status).toBe('started');
    expect(await b.session('100001')).toBeUndefined();
  });

  it('closing one store leaves the backend to the others', async () => {
    const shared = new MemoryShareBackend();
    const a = new MemoryShareStore({ backend: shared });
    const b = new MemoryShareStore({ backend: shared });
    await a.start('100001', { listenerToken: 't', maxSessions: 1 });
    await a.close();
    expect((await b.session('100001'))?.active).toBe(true);
    await expect(a.session('100001')).rejects.toThrow('closed');
  });

  it('rejects invalid settings', () => {
    expect(() => new MemoryShareStore({ settings: { sessionMs: 0 } })).toThrow(RangeError);
    expect(() => new MemoryShareStore({ settings: { audioMs: Number.NaN } })).toThrow(RangeError);
    expect(() => new MemoryShareStore({ settings: { maxChunks: 2.5 } })).toThrow(RangeError);
  });
});
