/**
 * The sandbox server: one Fastify app serving every upstream emulation at its real path (so a client configured
 * with `JIOSAAVN_BASE_URL=<sandbox url>` calls `<sandbox url>/api.php?…` exactly as it would call
 * https://www.jiosaavn.com/api.php?…), plus the `/__sandbox` controls. See DESIGN.md, "The sandbox".
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { CatalogLanguage } from './catalog.ts';
import { SandboxFramework, type Fault, type FaultSpec, type SandboxStats } from './framework.ts';
import { JioSaavnEmulation } from './jiosaavn.ts';

/** The seed used when none is given: the same catalog on every machine. */
export const DEFAULT_SANDBOX_SEED = 20_241_220;
/** The release interval `npm run demo` uses: a new album every 20 s. */
export const DEMO_RELEASE_INTERVAL_MS = 20_000;

export interface SandboxOptions {
  /** Catalog seed (default {@link DEFAULT_SANDBOX_SEED}). Same seed and clock → same answers. */
  seed?: number;
  /** A new album every this many ms; 0 (the default) disables the release clock. */
  releaseIntervalMs?: number;
  /** Probability (0–1) that a release-clock tick also corrects a released song (default 0.2). */
  correctionRate?: number;
  /** Albums per language released before start-up, over the last ~25 days (default 40). */
  initialAlbumsPerLanguage?: number;
  /** Languages the release clock cycles through (default hindi, malayalam, tamil, telugu, punjabi, english). */
  releaseLanguages?: readonly CatalogLanguage[];
  /** The sandbox clock (default `Date.now`). */
  now?: () => number;
  /** Fastify request logging (default false). */
  logger?: boolean;
  /**
   * The URL clients reach the sandbox at, used for cover image URLs. Default: the address `listen()` bound; before
   * that (e.g. with `app.inject()`), covers point at a fake CDN host.
   */
  publicUrl?: string;
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

export interface Sandbox {
  /** The Fastify app (use `app.inject()` in tests). */
  readonly app: FastifyInstance;
  readonly jiosaavn: JioSaavnEmulation;
  /** Request counts per `target:endpoint`. */
  stats(): SandboxStats;
  resetStats(): void;
  readonly faults: SandboxFaults;
  /** Catalogs back to the seed (relative to the current clock), counters and faults cleared. */
  reset(): void;
  /** Starts listening (port 0 = any free port) and resolves to the base URL, e.g. `http://127.0.0.1:4010`. */
  listen(port?: number, host?: string): Promise<string>;
  /** The base URL once listening. */
  readonly url: string | undefined;
  /** Stops the release clock, releases delayed requests and closes the server. */
  close(): Promise<void>;
}

/**
 * Builds a sandbox with the JioSaavn emulation. Nothing listens until `listen()`; the release clock (when
 * `releaseIntervalMs > 0`) starts at once and is `unref()`ed, so it never keeps the process alive.
 */
export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 64 * 1024 });
  const framework = new SandboxFramework(app);
  let url: string | undefined;
  const jiosaavn = new JioSaavnEmulation({
    seed: options.seed ?? DEFAULT_SANDBOX_SEED,
    now: options.now ?? Date.now,
    ...(options.initialAlbumsPerLanguage !== undefined
      ? { initialAlbumsPerLanguage: options.initialAlbumsPerLanguage }
      : {}),
    ...(options.releaseIntervalMs !== undefined ? { releaseIntervalMs: options.releaseIntervalMs } : {}),
    ...(options.correctionRate !== undefined ? { correctionRate: options.correctionRate } : {}),
    ...(options.releaseLanguages !== undefined ? { releaseLanguages: options.releaseLanguages } : {}),
    publicUrl: () => options.publicUrl ?? url,
  });
  framework.register(jiosaavn);
  app.addHook('onClose', async () => framework.close());

  return {
    app,
    jiosaavn,
    stats: () => framework.counters.snapshot(),
    resetStats: () => framework.counters.reset(),
    faults: {
      add: (spec) => framework.faults.add(spec),
      list: () => framework.faults.list(),
      remove: (id) => framework.faults.remove(id),
      clear: () => framework.faults.clear(),
    },
    reset: () => framework.reset(),
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error('The sandbox is not listening on TCP');
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      url = `http://${shownHost}:${address.port}`;
      return url;
    },
    get url() {
      return url;
    },
    async close() {
      // Release held requests first, so `app.close()` does not wait for injected delays.
      framework.close();
      await app.close();
    },
  };
}
