import { describe, expect, it } from 'vitest';
import { runBusContract } from '../contracts/bus.contract.ts';
import { MemoryBus, MemoryBusHub, type MemoryBusOptions } from './bus.ts';

// One hub for the file: buses from this factory reach each other, as Redis buses in several processes do.
const hub = new MemoryBusHub();
runBusContract({ name: 'MemoryBus', create: async () => new MemoryBus({ hub }) });

describe(MemoryBus.name, () => {
  it('keeps buses on different hubs apart', async () => {
    const a = new MemoryBus();
    const b = new MemoryBus();
    const atB: string[] = [];
    const atA: string[] = [];
    await b.subscribe('fetch_run', (p) => atB.push(p.runId));
    await a.subscribe('fetch_run', (p) => atA.push(p.runId));
    await a.publish('fetch_run', { runId: 'r', status: 'running' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(atA).toEqual(['r']);
    expect(atB).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('logs a handler error instead of throwing it at the publisher', async () => {
    const errors: unknown[] = [];
    const logger = { error: (obj: unknown) => errors.push(obj) } as unknown as MemoryBusOptions['logger'];
    const bus = new MemoryBus({ logger });
    await bus.subscribe('fetch_run', () => {
      throw new Error('boom');
    });
    await bus.publish('fetch_run', { runId: 'r', status: 'running' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(errors).toEqual([expect.objectContaining({ event: 'bus_handler_failed', name: 'fetch_run', err: 'boom' })]);
    await bus.close();
  });
});
