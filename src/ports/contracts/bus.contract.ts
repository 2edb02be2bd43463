import { describe, expect } from 'vitest';
import type { Bus } from '../bus.ts';
import type { ReleaseEvent } from '../../releases/contract.ts';
import { contractTests, instances, sleep, unique, waitFor, type ContractOptions } from './support.ts';

/**
 * The written semantics of {@link Bus}, run against every adapter. Two buses from one `create` must reach each other
 * (two processes on one Redis; two memory buses on one hub). Each test uses its own run ids, so a message left over
 * from another test is never mistaken for its own.
 */
/** A message of the contract's own channel: a run id names it, so each test tells its messages from others'. */
export interface ProbeMessage {
  runId: string;
  status: string;
}

/** The event map the contract runs on: a probe channel, plus the app's release event for a realistic payload. */
export interface ContractEvents {
  probe: [ProbeMessage];
  new_release: [ReleaseEvent];
}

export function runBusContract(options: ContractOptions<Bus<ContractEvents>>): void {
  describe(`Bus contract: ${options.name}`, () => {
    const { test, done } = contractTests(options.skip);
    const open = instances(options.create, options.cleanup);
    /** A little longer than any adapter needs to deliver, to show that something was NOT delivered. */
    const SETTLE_MS = 100;

    test('delivers a published message to a subscriber as a JSON copy', async () => {
      const bus = await open();
      const received: ProbeMessage[] = [];
      await bus.subscribe('probe', (payload) => received.push(payload));
      const runId = unique('run');
      const sent = { runId, status: 'running' as const, extra: { when: new Date(0) } };
      await bus.publish('probe', sent);
      await waitFor(() => received.length === 1, 'the message');
      expect(received[0]).not.toBe(sent);
      // A Date becomes its ISO string: the payload crossed as JSON.
      expect(received[0]).toEqual({ runId, status: 'running', extra: { when: '1970-01-01T00:00:00.000Z' } });
    });

    test('delivers messages between two instances', async () => {
      const [a, b] = [await open(), await open()];
      const atA: string[] = [];
      const atB: string[] = [];
      await a.subscribe('probe', (p) => atA.push(p.runId));
      await b.subscribe('probe', (p) => atB.push(p.runId));
      const fromA = unique('from-a');
      const fromB = unique('from-b');
      await a.publish('probe', { runId: fromA, status: 'running' });
      await b.publish('probe', { runId: fromB, status: 'running' });
      await waitFor(() => atA.length === 2 && atB.length === 2, 'both messages at both buses');
      expect(atA.sort()).toEqual([fromA, fromB].sort());
      expect(atB.sort()).toEqual([fromA, fromB].sort());
    });

    test('keeps publish order from one publisher', async () => {
      const [publisher, subscriber] = [await open(), await open()];
      const received: string[] = [];
      await subscriber.subscribe('probe', (p) => received.push(p.runId));
      const ids = Array.from({ length: 200 }, (_, i) => `order-${i}`);
      // Not awaited one by one: order must hold for calls in flight together too.
      await Promise.all(ids.map((runId) => publisher.publish('probe', { runId, status: 'running' })));
      await waitFor(() => received.length === ids.length, 'all 200 messages');
      expect(received).toEqual(ids);
    });

    test('delivers to every handler exactly once', async () => {
      const [publisher, subscriber] = [await open(), await open()];
      const first: string[] = [];
      const second: string[] = [];
      await subscriber.subscribe('probe', (p) => first.push(p.runId));
      await subscriber.subscribe('probe', (p) => second.push(p.runId));
      for (const runId of ['x1', 'x2', 'x3']) await publisher.publish('probe', { runId, status: 'succeeded' });
      await waitFor(() => first.length >= 3 && second.length >= 3, 'three messages at each handler');
      await sleep(SETTLE_MS);
      expect(first).toEqual(['x1', 'x2', 'x3']);
      expect(second).toEqual(['x1', 'x2', 'x3']);
    });

    test('does not deliver other event names', async () => {
      const [publisher, subscriber] = [await open(), await open()];
      const runs: string[] = [];
      const releases: ReleaseEvent[] = [];
      await subscriber.subscribe('probe', (p) => runs.push(p.runId));
      await subscriber.subscribe('new_release', (p) => releases.push(p));
      const release: ReleaseEvent = {
        eventId: 7,
        type: 'new_release',
        release: {
          id: 1,
          title: 'Song',
          artists: ['Artist'],
          album: { id: 'album-1', name: 'Album' },
          language: 'hindi',
          releaseDate: '2026-01-01',
          imageUrl: null,
          url: null,
          durationSeconds: 200,
          isNew: true,
          likes: 0,
          featured: true,
          kind: 'song',
          source: 'jiosaavn',
          detectedAt: '2026-01-01T00:00:00.000Z',
          updatedAt: '2026-01-01T00:00:00.000Z',
        },
        detectedAt: '2026-01-01T00:00:00.000Z',
      };
      await publisher.publish('new_release', release);
      await waitFor(() => releases.length === 1, 'the new_release message');
      await sleep(SETTLE_MS);
      expect(releases).toEqual([release]);
      expect(runs).toEqual([]);
    });

    test('stops delivering after unsubscribe resolves', async () => {
      const [publisher, subscriber] = [await open(), await open()];
      const kept: string[] = [];
      const dropped: string[] = [];
      await subscriber.subscribe('probe', (p) => kept.push(p.runId));
      const unsubscribe = await subscriber.subscribe('probe', (p) => dropped.push(p.runId));
      await publisher.publish('probe', { runId: 'before', status: 'running' });
      await waitFor(() => kept.length === 1 && dropped.length === 1, 'the first message at both handlers');
      await unsubscribe();
      await unsubscribe(); // idempotent
      await publisher.publish('probe', { runId: 'after', status: 'running' });
      await waitFor(() => kept.length === 2, 'the second message at the handler still subscribed');
      await sleep(SETTLE_MS);
      expect(kept).toEqual(['before', 'after']);
      expect(dropped).toEqual(['before']);
    });

    test('stops all delivery to a bus once its last handler of a name unsubscribed', async () => {
      const [publisher, subscriber] = [await open(), await open()];
      const received: string[] = [];
      const unsubscribe = await subscriber.subscribe('probe', (p) => received.push(p.runId));
      await unsubscribe();
      const witness: string[] = [];
      await publisher.subscribe('probe', (p) => witness.push(p.runId));
      await publisher.publish('probe', { runId: 'nobody', status: 'running' });
      await waitFor(() => witness.length === 1, 'the witness to receive the message');
      await sleep(SETTLE_MS);
      expect(received).toEqual([]);
    });

    test('isolates a throwing handler from the others', async () => {
      const [publisher, subscriber] = [await open(), await open()];
      const thrower: string[] = [];
      const asyncThrower: string[] = [];
      const healthy: string[] = [];
      await subscriber.subscribe('probe', (p) => {
        thrower.push(p.runId);
        throw new Error('handler failure');
      });
      await subscriber.subscribe('probe', (p) => {
        asyncThrower.push(p.runId);
        // A handler that returns a rejected promise must not surface as an unhandled rejection either.
        return Promise.reject(new Error('async handler failure')) as unknown as void;
      });
      await subscriber.subscribe('probe', (p) => healthy.push(p.runId));
      await publisher.publish('probe', { runId: 'one', status: 'failed' });
      await publisher.publish('probe', { runId: 'two', status: 'failed' });
      await waitFor(() => healthy.length === 2, 'both messages at the healthy handler');
      await sleep(SETTLE_MS);
      expect(healthy).toEqual(['one', 'two']);
      // The failing handlers keep receiving: one failure does not unsubscribe them.
      expect(thrower).toEqual(['one', 'two']);
      expect(asyncThrower).toEqual(['one', 'two']);
    });

    test('ping resolves while the backend is up', async () => {
      const bus = await open();
      await expect(bus.ping()).resolves.toBeUndefined();
    });

    test('rejects publish and subscribe after close', async () => {
      const bus = await open();
      await bus.close();
      await bus.close(); // idempotent
      await expect(bus.publish('probe', { runId: 'late', status: 'running' })).rejects.toThrow();
      await expect(bus.subscribe('probe', () => {})).rejects.toThrow();
    });

    done();
  });
}
