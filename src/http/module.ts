import type { FastifyPluginAsync } from 'fastify';
import type { GuestAuth, adminGuard } from './auth.ts';

/** What the app lends every job module's routes: the shared HTTP guards. */
export interface ModuleContext {
  requireAdmin: ReturnType<typeof adminGuard>;
  guestAuth: GuestAuth;
}

/**
 * A job (releases, trending, matches, share) or a cross-cutting area (admin) as the HTTP app sees it: one Fastify
 * plugin holding its routes and its HTTP lifecycle (a `preClose` hook ending its streams, say). The app registers it
 * once; nothing else about the module is known to the app.
 */
export interface HttpModule {
  readonly name: string;
  readonly plugin: FastifyPluginAsync<ModuleContext>;
}

/**
 * A job as the container sees it: its HTTP side (one plugin) plus its lifecycle in a process. The container starts
 * every module the same way; adding a job means adding its module to the container's list.
 */
export interface JobModule extends HttpModule {
  /** Work of an HTTP process (subscribing its live streams to the bus). Called once per process. */
  start(): Promise<void>;
  /** Work of a worker process: registers the job's recurring schedules (and start-up jobs) on the queue. */
  schedule(): Promise<void>;
  /** Waits for the module's in-flight work, then releases what it holds. */
  close(): Promise<void>;
}
