import { describe, expect, it } from 'vitest';
import { runBusContract, type ContractEvents } from '../contracts/bus.contract.ts';
import { MemoryBus, MemoryBusHub, type MemoryBusOptions } from './bus.ts';

// One hub for the file: buses from this factory reach each other, as Redis buses in several processes do.
const hub = new MemoryBusHub();
runBusContract({ name: 'MemoryBus', create: async () => new MemoryBus<ContractEvents>({ hub }) });

describe(MemoryBus.name, () => {
  it('keeps buses on different hubs apart', async () => {
    const a = new MemoryBus<ContractEvents>();
    const b = new MemoryBus<ContractEvents>();
    const atB: string[] = [];
    const atA: string[] = [];
    await b.subscribe('probe', (p) => atB.push(p.runId));
    await a.subscribe('probe', (p) => atA.push(p.runId));
    await a.publish('probe', { runId: 'r', status: 'running' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(atA).toEqual(['r']);
    expect(atB).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('logs a handler error instead of throwing it at the publisher', async () => {
    const errors: unknown[] = [];
    const logger = { error: (obj: unknown) => errors.push(obj) } as unknown as MemoryBusOptions['logger'];
    const bus = new MemoryBus<ContractEvents>({ logger });
    await bus.subscribe('probe', () => {
      throw new Error('boom');
    });
    await bus.publish('probe', { runId: 'r', status: 'running' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(errors).toEqual([expect.objectContaining({ event: 'bus_handler_failed', name: 'probe', err: 'boom' })]);
    await bus.close();
  });
});
