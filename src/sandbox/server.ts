/**
 * The sandbox server: one Fastify app serving every upstream emulation it is given at the emulation's real paths (so
 * a client configured with `JIOSAAVN_BASE_URL=<sandbox url>` calls `<sandbox url>/api.php?…` exactly as it would
 * call https://www.jiosaavn.com/api.php?…), plus the `/__sandbox` controls. The server knows no upstream: the
 * emulations are assembled by the caller (see `src/providers/sandboxes.ts`).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { SandboxFramework, type Emulation, type Fault, type FaultSpec, type SandboxStatsView } from './framework.ts';
import type { SandboxStateStore, StateSlot } from './state.ts';

/** The port a sandbox with a state store tries first when it has never listened before. */
export const DEFAULT_SANDBOX_PORT = 5099;

export interface SandboxServerOptions {
  /** The upstream emulations to serve; their names must be unique. */
  emulations: readonly Emulation[];
  /** Fastify request logging (default false). */
  logger?: boolean;
  /**
   * The URL clients reach the sandbox at, which emulations use for links to their covers, media and pages. Default:
   * the address `listen()` bound; before that (e.g. with `app.inject()`), the emulations' placeholder hosts.
   */
  publicUrl?: string;
  /** Where to remember the port between runs (slot `server`); see {@link SandboxServer.listen}. */
  state?: SandboxStateStore;
}

/** Programmatic fault controls (the same store `POST /__sandbox/faults` uses). */
export interface SandboxFaults {
  /** Validates and activates a fault; throws `SandboxInputError` when the spec is invalid. */
  add(spec: FaultSpec): Fault;
  list(): Fault[];
  /** False when no fault has that id. */
  remove(id: string): boolean;
  /** Removes every fault; returns how many there were. */
  clear(): number;
}

/** A sandbox server over some emulations. Nothing listens until `listen()`. */
export class SandboxServer {
  /** The Fastify app (use `app.inject()` in tests). */
  readonly app: FastifyInstance;
  readonly faults: SandboxFaults;
  readonly #framework: SandboxFramework;
  readonly #publicUrl: string | undefined;
  readonly #state: StateSlot | undefined;
  #url: string | undefined;
  #movedFrom: number | undefined;

  constructor(options: SandboxServerOptions) {
    this.app = Fastify({ logger: options.logger ?? false, bodyLimit: 64 * 1024 });
    this.#publicUrl = options.publicUrl?.replace(/\/+$/, '');
    this.#state = options.state?.slot('server');
    this.#framework = new SandboxFramework(this.app, { publicUrl: () => this.publicUrl });
    for (const emulation of options.emulations) this.#framework.register(emulation);
    this.app.addHook('onClose', async () => this.#framework.close());
    const framework = this.#framework;
    this.faults = {
      add: (spec) => framework.faults.add(spec),
      list: () => framework.faults.list(),
      remove: (id) => framework.faults.remove(id),
      clear: () => framework.faults.clear(),
    };
  }

  /** The registered emulations, in order. */
  get emulations(): readonly Emulation[] {
    return this.#framework.emulations;
  }

  /** Request counts per `target:endpoint`. */
  /** Request counts per `target:endpoint`, plus each emulation's own figures under `emulations`. */
  stats(): SandboxStatsView {
    return this.#framework.stats();
  }

  /** Zeroes the counters and each emulation's own figures. */
  resetStats(): void {
    this.#framework.resetStats();
  }

  /** Catalogs back to the seed (relative to the current clock), counters and faults cleared. */
  reset(): void {
    this.#framework.reset();
  }

  /** The base URL once listening. */
  get url(): string | undefined {
    return this.#url;
  }

  /**
   * The port this sandbox listened on in its last run, when `listen()` found it taken and listened elsewhere: links
   * handed out in that run point at a port this sandbox no longer answers on.
   */
  get movedFrom(): number | undefined {
    return this.#movedFrom;
  }

  /** The base URL emulations put in their links: the configured public URL, else {@link url}. */
  get publicUrl(): string | undefined {
    return this.#publicUrl ?? this.#url;
  }

  /**
   * Starts listening and resolves to the base URL, e.g. `http://127.0.0.1:5099`. An explicit `port` (0 = any free
   * port) is used as given. Without one, a sandbox with a state store listens where it listened last time (else on
   * {@link DEFAULT_SANDBOX_PORT}), falling back to any free port when that one is taken, and remembers the port it got;
   * so links it handed out earlier keep working across restarts. Without a state store the default is any free port.
   */
  async listen(port?: number, host = '127.0.0.1'): Promise<string> {
    if (port !== undefined || this.#state === undefined) {
      await this.app.listen({ port: port ?? 0, host });
    } else {
      const remembered = rememberedPort(this.#state.read());
      try {
        await this.app.listen({ port: remembered ?? DEFAULT_SANDBOX_PORT, host });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        await this.app.listen({ port: 0, host });
        this.#movedFrom = remembered;
      }
    }
    const address = this.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('The sandbox is not listening on TCP');
    this.#state?.write({ port: address.port });
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.#url = `http://${shownHost}:${address.port}`;
    return this.#url;
  }

  /** Stops the emulations' clocks, releases delayed requests and closes the server. */
  async close(): Promise<void> {
    // Release held requests first, so `app.close()` does not wait for injected delays.
    this.#framework.close();
    await this.app.close();
  }
}

function rememberedPort(value: unknown): number | undefined {
  const port = (value as { port?: unknown } | undefined)?.port;
  return typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65_536 ? port : undefined;
}

/** Builds a sandbox server over `options.emulations`. */
export function createSandboxServer(options: SandboxServerOptions): SandboxServer {
  return new SandboxServer(options);
}
