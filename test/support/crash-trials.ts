/**
 * The crash suite's engine, shared by test/releases/crash-trials.test.ts (20 trials per mode) and bench/crash.ts
 * (100): each trial starts a real fetch child (test/support/fetch-child.ts), kills it with SIGKILL after a random
 * delay into its run (seeded: the same seed replays the same delays), then, in this process, triggers a clean
 * follow-up run once the dead run's lease is over and checks the database and the bus:
 *
 * - the follow-up trigger starts a run at once (`started: true`) and the dead run is `abandoned`;
 * - no duplicate song (source, external_id), one featured song and one `new_release` event per album, event ids
 *   unique, the stored songs are exactly what one clean run lists;
 * - the outbox is empty (`notified` everywhere), and every committed event was published: in scaled mode to a
 *   subscriber of the shared Redis bus in this process, exactly once, except an event the child published but had
 *   not marked `notified` when it died (the at-least-once window of an outbox), which is published once more and
 *   counted; in embedded mode the child's bus is in-process, so the follow-up run must publish exactly the events the
 *   child left unnotified plus its own, each once, and the replay query gives every stored event once, in order
 *   (after the last trial, through a real SSE client replaying from `Last-Event-ID: 0`).
 *
 * Where the kill landed is read from the child's last log line: `mid-page` (a request or its transaction in flight:
 * last line `fetch_attempt`), `between pages` (last line `fetch_success` or `fetch_run_started`), `after run`
 * (the run had finished). Each trial starts from empty tables; the next child is started (and waits for a go) while
 * the current trial is checked.
 */
import { mulberry32 } from '../../src/sandbox/random.ts';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { openDatabase, queryRows } from '../../src/infra/db.ts';
import type { Bus } from '../../src/ports/bus.ts';
import { createSandbox, type Sandbox } from '../../src/providers/sandboxes.ts';
import type { ReleaseEvent } from '../../src/releases/contract.ts';
import { TEST_REDIS_URL, uniqueName } from './services.ts';
import { createContainer, type Container } from '../../src/container.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { ADMIN_TOKEN, JWT_SECRET, openTestDb, resetDatabase, startStack, testConfig, type TestDb } from './stack.ts';

const CHILD = fileURLToPath(new URL('./fetch-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** 3 languages × 2 pages of 5, each upstream request held 60 ms: a run of about half a second. */
const RUN_ENV = {
  RELEASE_LANGUAGES: 'hindi,tamil,telugu',
  RELEASE_PAGES: '2',
  RELEASE_PAGE_SIZE: '5',
  FETCH_RUN_STALE_MS: '1000',
};
const REQUEST_DELAY_MS = 60;
const RUN_PAGES = 3 * 2;
/**
 * Where a kill lands: a page boundary drawn from 0..RUN_PAGES (0: the run just started; k: the k-th page just
 * committed), then a delay drawn from [0, this): most kills land during a request, some during a transaction or
 * right between pages.
 */
const DEFAULT_MAX_KILL_DELAY_MS = REQUEST_DELAY_MS + 60;
const LEASE_MS = Number(RUN_ENV.FETCH_RUN_STALE_MS);

/**
 * Where a kill landed, from the child's last log lines: a page's upstream request in flight, its write in flight
 * (transaction, then publishing its events: the request had had its time), between pages (before the first request,
 * or a page's commit and publish logged and the next request not yet), or after the run.
 */
export type KillPoint = 'in a request' | 'in a page write' | 'between pages' | 'after run';

export interface CrashTrialsOptions {
  mode: 'embedded' | 'scaled';
  trials: number;
  seed: number;
  maxKillDelayMs?: number;
  log?: (line: string) => void;
}

export interface CrashTrialsReport {
  mode: 'embedded' | 'scaled';
  seed: number;
  trials: number;
  kills: Record<KillPoint, number>;
  /** Trials whose child had committed at least one page when it died. */
  killsAfterACommit: number;
  songs: number;
  duplicateSongs: number;
  events: number;
  duplicateEvents: number;
  /** Albums without exactly one featured song and one `new_release` event. */
  albumsOff: number;
  /** Events the dead child left unnotified, published by the follow-up run. */
  fromOutbox: number;
  /** Events delivered exactly once to the bus subscriber (scaled) or by the follow-up run (embedded). */
  publishedOnce: number;
  /** Events published again because the kill fell between their publish and their `notified` mark. */
  republished: number;
  neverPublished: number;
  /** Events an SSE client replaying from 0 after the last trial got, each once and in order (embedded). */
  sseReplayed: number;
  /** From the kill to the follow-up run's start (lease wait included), max and mean. */
  takeoverMs: { max: number; mean: number };
  durationMs: number;
  failures: string[];
}

interface LogLine {
  event?: string;
  started?: boolean;
  runId?: string;
  page?: number;
  language?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fetch child (test/support/fetch-child.ts) with its JSON log lines. */
export class FetchChild {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly lines: LogLine[] = [];
  readonly exited: Promise<NodeJS.Signals | null>;
  #stderr = '';
  #waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  #successes = 0;
  #lastAttemptAt = 0;

  constructor(env: Record<string, string>) {
    // Node's own type stripping: no transform on each start (a child starts ~1 s sooner than with tsx).
    this.proc = spawn(process.execPath, [CHILD], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    this.proc.stderr.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.proc.on('exit', (_code, signal) => resolve(signal)));
    createInterface({ input: this.proc.stdout }).on('line', (text) => {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        return;
      }
      this.lines.push(line);
      if (line.event === 'fetch_success') this.#successes++;
      if (line.event === 'fetch_attempt') this.#lastAttemptAt = Date.now();
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.match(line)) return true;
        w.resolve(line);
        return false;
      });
    });
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The first line with this `event` (already seen or to come); rejects on exit or after `timeoutMs`. */
  waitEvent(event: string, timeoutMs: number): Promise<LogLine> {
    return this.waitLine((l) => l.event === event, event, timeoutMs);
  }

  /** Resolves once `pages` pages committed or the run ended (`fetch_run_finished`), whichever comes first. */
  async waitPages(pages: number, timeoutMs: number): Promise<void> {
    if (pages === 0 || this.#successes >= pages) return;
    await this.waitLine(
      (l) => l.event === 'fetch_run_finished' || (l.event === 'fetch_success' && this.#successes >= pages),
      `page ${pages}`,
      timeoutMs,
    );
  }

  waitLine(match: (l: LogLine) => boolean, event: string, timeoutMs: number): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const fail = (why: string) =>
        reject(new Error(`child: no ${event} (${why})\n${this.lines.map((l) => l.event).join(' ')}\n${this.#stderr}`));
      const timer = setTimeout(() => fail(`${timeoutMs} ms`), timeoutMs);
      void this.exited.then(() => fail('exited'));
      this.#waiters.push({
        match,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }

  go(): void {
    this.proc.stdin.write('go\n');
  }

  kill(): void {
    if (this.alive) this.proc.kill('SIGKILL');
  }

  /** Where the run was when the child died, from its last log lines (see {@link KillPoint}). */
  killPoint(): KillPoint {
    const events = this.lines.map((l) => l.event);
    if (events.includes('fetch_run_finished') || events.includes('child_summary')) return 'after run';
    const last = events.filter((e) => e === 'fetch_attempt' || e === 'fetch_success').at(-1);
    if (last !== 'fetch_attempt') return 'between pages';
    return Date.now() - this.#lastAttemptAt < REQUEST_DELAY_MS ? 'in a request' : 'in a page write';
  }
}

interface Follower {
  container: Container;
  url: string | undefined;
  close(): Promise<void>;
}

type CrashBus = Bus<{
  new_release: [ReleaseEvent];
  release_updated: [ReleaseEvent];
  crash_barrier: [{ id: string }];
}>;

/** Runs `trials` kill-and-recover trials in one mode; never throws on a failed check (see `failures`). */
export async function runCrashTrials(options: CrashTrialsOptions): Promise<CrashTrialsReport> {
  const { mode, trials, seed } = options;
  const log = options.log ?? (() => undefined);
  const random = mulberry32(seed);
  const maxKillDelayMs = options.maxKillDelayMs ?? DEFAULT_MAX_KILL_DELAY_MS;
  const began = Date.now();
  const report: CrashTrialsReport = {
    mode,
    seed,
    trials: 0,
    kills: { 'in a request': 0, 'in a page write': 0, 'between pages': 0, 'after run': 0 },
    killsAfterACommit: 0,
    songs: 0,
    duplicateSongs: 0,
    events: 0,
    duplicateEvents: 0,
    albumsOff: 0,
    fromOutbox: 0,
    publishedOnce: 0,
    republished: 0,
    neverPublished: 0,
    sseReplayed: 0,
    takeoverMs: { max: 0, mean: 0 },
    durationMs: 0,
    failures: [],
  };
  const sandbox: Sandbox = createSandbox({ seed: 7, initialAlbumsPerLanguage: 12 });
  await sandbox.listen(0);
  sandbox.faults.add({ target: 'jiosaavn', kind: 'delay', delayMs: REQUEST_DELAY_MS });
  const dataDir = mkdtempSync(join(tmpdir(), 'backbeat-crash-trials-'));
  const prefix = uniqueName('crash_trials');
  const scaledDb: TestDb | undefined = mode === 'scaled' ? await openTestDb('scaled', 'crash_trials') : undefined;
  const childEnv: Record<string, string> = {
    ...RUN_ENV,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    ADMIN_TOKEN,
    JWT_SECRET,
    FETCH_ON_START: 'false',
    JIOSAAVN_BASE_URL: sandbox.url!,
    DATA_DIR: dataDir,
    DATABASE_URL: scaledDb?.url ?? '',
    REDIS_URL: mode === 'scaled' ? (TEST_REDIS_URL ?? '') : '',
    REDIS_PREFIX: prefix,
    CHILD_WAIT_GO: '1',
  };

  const received: ReleaseEvent[] = [];
  const barriers = new Set<string>();
  let barrierSeq = 0;
  /**
   * What runs the follow-up in this process: a whole listening stack (scaled, once; embedded, the last trial, for
   * the SSE replay) or just a container (embedded: PGlite is reopened each trial, so keep it light).
   */
  async function openStack(db: TestDb, http: boolean): Promise<Follower> {
    const env = { ...RUN_ENV, REDIS_PREFIX: prefix };
    let follower: Follower;
    if (http) {
      const stack = await startStack({ db, sandbox, role: 'serve', listen: mode === 'embedded', env });
      follower = { container: stack.container, url: stack.url, close: () => stack.close() };
    } else {
      const config = testConfig({ ...env, JIOSAAVN_BASE_URL: sandbox.url, DATA_DIR: dataDir });
      const container = await createContainer(config, {
        role: 'cli',
        database: db.handle,
        logger: createLogger('silent'),
      });
      follower = { container, url: undefined, close: () => container.close() };
    }
    const bus = follower.container.bus as unknown as CrashBus;
    await bus.subscribe('new_release', (payload) => received.push(payload));
    await bus.subscribe('release_updated', (payload) => received.push(payload));
    await bus.subscribe('crash_barrier', (payload) => barriers.add(payload.id));
    return follower;
  }
  /** Waits until everything this process published so far was delivered to its subscriber. */
  async function settleBus(stack: Follower): Promise<void> {
    const id = `b${++barrierSeq}`;
    await (stack.container.bus as unknown as CrashBus).publish('crash_barrier', { id });
    const deadline = Date.now() + 5000;
    while (!barriers.has(id)) {
      if (Date.now() > deadline) throw new Error('bus barrier not delivered within 5 s');
      await sleep(5);
    }
  }

  const sharedStack = scaledDb ? await openStack(scaledDb, true) : undefined;
  let next: FetchChild | undefined = new FetchChild(childEnv);
  const takeovers: number[] = [];
  try {
    for (let trial = 1; trial <= trials; trial++) {
      const fail = (what: string) => {
        report.failures.push(`trial ${trial} (seed ${seed}): ${what}`);
      };
      const marks: string[] = [];
      let mark = Date.now();
      const lap = (what: string) => {
        marks.push(`${what} ${Date.now() - mark}`);
        mark = Date.now();
      };
      const child: FetchChild = next!;
      next = undefined;
      await child.waitEvent('child_ready', 60_000);
      lap('ready');
      child.go();
      // The next child loads meanwhile; it opens the database only when it gets its go.
      if (trial < trials) next = new FetchChild(childEnv);
      const triggered = await child.waitEvent('child_trigger', 30_000);
      if (!triggered.started) fail(`a fresh process's trigger joined run ${triggered.runId} instead of starting one`);
      await child.waitEvent('fetch_run_started', 10_000);
      lap('started');
      const afterPages = Math.floor(random() * (RUN_PAGES + 1));
      const delayMs = Math.floor(random() * maxKillDelayMs);
      await child.waitPages(afterPages, 30_000);
      await sleep(delayMs);
      let point = child.killPoint();
      child.kill();
      await child.exited;
      const killedAt = Date.now();
      report.kills[point]++;
      if (child.lines.some((l) => l.event === 'fetch_success')) report.killsAfterACommit++;

      let db: TestDb;
      if (scaledDb) {
        db = scaledDb;
      } else {
        const handle = await openDatabase({ dataDir: join(dataDir, 'pglite') });
        await handle.migrate();
        db = { mode, handle, url: undefined, close: () => handle.close() };
      }
      const stack = sharedStack ?? (await openStack(db, trial === trials));
      lap('opened');
      const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(db.handle.db, query);
      const count = async (query: ReturnType<typeof sql>) =>
        Number((await rows<{ n: number | string }>(query))[0]?.n ?? 0);
      try {
        // State the child left: its events and which of them it had not marked published.
        const ids = async (query: ReturnType<typeof sql>) =>
          (await rows<{ id: number | string }>(query)).map((r) => Number(r.id));
        const eventsAtKill = await ids(sql`SELECT id FROM new_release_events ORDER BY id`);
        const unnotifiedAtKill = new Set(await ids(sql`SELECT id FROM new_release_events WHERE NOT notified`));
        report.fromOutbox += unnotifiedAtKill.size;

        // The lease of the dead run runs out (at most FETCH_RUN_STALE_MS after its last heartbeat).
        const leaseDeadline = Date.now() + LEASE_MS + 5000;
        while (
          (await count(
            sql`SELECT count(*)::int AS n FROM fetch_runs
                WHERE status = 'running' AND heartbeat_at >= now() - make_interval(secs => ${LEASE_MS / 1000})`,
          )) > 0
        ) {
          if (Date.now() > leaseDeadline) {
            fail('the dead run kept a fresh heartbeat');
            break;
          }
          await sleep(50);
        }
        lap('lease');
        const receivedBefore = new Set(received.map((e) => e.eventId));
        const { started, done, run } = await stack.container.releases.fetcher.trigger('manual');
        const takeoverMs = Date.now() - killedAt;
        takeovers.push(takeoverMs);
        if (!started) fail(`the follow-up trigger joined run ${run.runId} instead of starting one`);
        const summary = await done;
        if (summary.status !== 'succeeded')
          fail(`follow-up run ended ${summary.status}: ${JSON.stringify(summary.errors)}`);
        await settleBus(stack);
        lap('follow-up');

        const runs = await rows<{ id: string; status: string }>(sql`SELECT id, status FROM fetch_runs`);
        const dead = runs.find((r) => r.id === triggered.runId);
        if (!dead || dead.status === 'running') {
          fail(`dead run is ${dead?.status ?? 'missing'} after the follow-up`);
        } else if (dead.status !== 'abandoned' && point !== 'after run') {
          // It finished before the signal arrived; its last log line had not reached us yet.
          report.kills[point]--;
          point = 'after run';
          report.kills[point]++;
        } else if (dead.status === 'abandoned' && point === 'after run') {
          fail('a run that had finished is marked abandoned');
        }
        if (runs.some((r) => r.status === 'running')) fail('a run is still running');

        // Storage: converged, no duplicates.
        const songs = await count(sql`SELECT count(*)::int AS n FROM songs`);
        const distinctSongs = await count(sql`SELECT count(DISTINCT (source, external_id))::int AS n FROM songs`);
        report.songs += songs;
        report.duplicateSongs += songs - distinctSongs;
        if (songs !== distinctSongs) fail(`${songs - distinctSongs} duplicate songs`);
        if (songs !== summary.fetched) fail(`${songs} songs stored, a clean run lists ${summary.fetched}`);
        const albumsOff = await count(
          sql`SELECT count(*)::int AS n FROM (
                SELECT s.album_key, (count(*) FILTER (WHERE s.featured))::int AS featured,
                  (SELECT count(*) FROM new_release_events e JOIN songs x ON x.id = e.song_id
                    WHERE x.album_key = s.album_key AND e.type = 'new_release')::int AS events
                FROM songs s GROUP BY s.album_key) a
              WHERE a.featured <> 1 OR a.events <> 1`,
        );
        report.albumsOff += albumsOff;
        if (albumsOff > 0) fail(`${albumsOff} albums without exactly one featured song and one new_release event`);
        const allEvents = await ids(sql`SELECT id FROM new_release_events ORDER BY id`);
        const distinctEvents = new Set(allEvents).size;
        const duplicateEvents =
          allEvents.length -
          distinctEvents +
          (await count(
            sql`SELECT (count(*) - count(DISTINCT song_id))::int AS n FROM new_release_events WHERE type = 'new_release'`,
          ));
        report.events += allEvents.length;
        report.duplicateEvents += duplicateEvents;
        if (duplicateEvents > 0) fail(`${duplicateEvents} duplicate events`);
        const unnotified = await count(sql`SELECT count(*)::int AS n FROM new_release_events WHERE NOT notified`);
        if (unnotified > 0) fail(`${unnotified} events left in the outbox`);

        // Delivery.
        const times = new Map<number, number>();
        for (const e of received) times.set(e.eventId, (times.get(e.eventId) ?? 0) + 1);
        const stored = new Set(allEvents);
        const phantom = [...times.keys()].filter((id) => !stored.has(id));
        if (phantom.length > 0) fail(`published events that are not stored: ${phantom.join(',')}`);
        const lastAtKill = eventsAtKill.at(-1) ?? 0;
        for (const id of allEvents) {
          const n = times.get(id) ?? 0;
          // Embedded: the subscriber shares only the follow-up run's bus, which owes the child's unnotified events
          // and its own. Scaled: the subscriber saw the child's publishes too.
          const expected = mode === 'scaled' || unnotifiedAtKill.has(id) || id > lastAtKill ? 1 : 0;
          const mayRepeat = mode === 'scaled' && unnotifiedAtKill.has(id) && receivedBefore.has(id);
          if (expected === 0) {
            if (n > 0) fail(`event ${id}, marked published by the child, was published again`);
            continue;
          }
          if (n === 0) {
            report.neverPublished++;
            fail(`event ${id} was never published`);
          } else if (n === 1) {
            report.publishedOnce++;
          } else if (n === 2 && mayRepeat) {
            report.publishedOnce++;
            report.republished++;
          } else {
            fail(`event ${id} was published ${n} times`);
          }
        }
        const order = received.map((e) => e.eventId).filter((id) => !receivedBefore.has(id));
        if (order.some((id, i) => i > 0 && id <= order[i - 1]!))
          fail(`follow-up published out of order: ${order.join(',')}`);

        const replayRows = await stack.container.releases.repository.eventsAfter(0, allEvents.length + 1);
        if (replayRows.map((e) => e.id).join(',') !== allEvents.join(',')) fail('the replay query misses events');
        if (mode === 'embedded' && stack.url) {
          const replayed = await sseReplay(stack.url, allEvents.length);
          if (replayed.join(',') !== allEvents.join(',')) {
            fail(`SSE replay from 0 gave ${replayed.join(',')}, stored ${allEvents.join(',')}`);
          } else {
            report.sseReplayed += replayed.length;
          }
        }
        lap('checks');
        log(
          `trial ${trial}: killed ${delayMs} ms after page ${afterPages} (${point}), ${eventsAtKill.length} events ` +
            `committed (${unnotifiedAtKill.size} unnotified), takeover after ${takeoverMs} ms, follow-up added ` +
            `${summary.newSongs} songs [ms: ${marks.join(', ')}]`,
        );
        await resetDatabase(db.handle);
        if (mode === 'scaled') await settleBus(stack);
        received.length = 0;
      } finally {
        if (!sharedStack) {
          await stack.close();
          await db.close();
        }
      }
      report.trials++;
    }
  } finally {
    next?.kill();
    await sharedStack?.close();
    await scaledDb?.close();
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  report.takeoverMs = {
    max: Math.max(0, ...takeovers),
    mean: takeovers.length ? Math.round(takeovers.reduce((a, b) => a + b, 0) / takeovers.length) : 0,
  };
  report.durationMs = Date.now() - began;
  return report;
}

/** The event ids an SSE client replaying from `Last-Event-ID: 0` receives, once `expected` arrived (or 5 s). */
async function sseReplay(baseUrl: string, expected: number): Promise<number[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 5000);
  const ids: number[] = [];
  try {
    const response = await fetch(`${baseUrl}/api/new-releases/events`, {
      headers: { 'last-event-id': '0' },
      signal: abort.signal,
    });
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const id = /^id: (\d+)$/m.exec(frame);
        const isEvent = /^event: (new_release|release_updated)$/m.test(frame);
        if (id && isEvent) ids.push(Number(id[1]));
      }
      if (ids.length >= expected) break;
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return ids;
}

/** The report as a few lines for a log or the README. */
export function formatCrashReport(r: CrashTrialsReport): string {
  const delivery =
    r.mode === 'scaled'
      ? `${r.publishedOnce}/${r.events} events delivered to a Redis bus subscriber, ${r.republished} of them once more ` +
        `(killed between publish and mark), ${r.neverPublished} never`
      : `${r.publishedOnce} events published once by the follow-up run (${r.fromOutbox} from the dead child's ` +
        `outbox), ${r.neverPublished} never; an SSE client replaying from 0 after the last trial got all ${r.sseReplayed} events once, in order`;
  return [
    `crash trials (${r.mode}, seed ${r.seed}): ${r.trials} kills in ${(r.durationMs / 1000).toFixed(1)} s — ` +
      `${r.kills['in a request'] + r.kills['in a page write']} mid-page (${r.kills['in a request']} in a request, ` +
      `${r.kills['in a page write']} in a page write), ${r.kills['between pages']} between pages, ` +
      `${r.kills['after run']} after the run; ${r.killsAfterACommit} after a committed page`,
    `  duplicates: ${r.duplicateSongs} songs (of ${r.songs}), ${r.duplicateEvents} events (of ${r.events}), ` +
      `${r.albumsOff} albums without exactly one featured song and one new_release event`,
    `  ${delivery}`,
    `  next trigger started a run at once after every kill: takeover ${r.takeoverMs.mean} ms mean, ` +
      `${r.takeoverMs.max} ms max (lease ${LEASE_MS} ms)`,
    `  failures: ${r.failures.length}`,
    ...r.failures.map((f) => `    ${f}`),
  ].join('\n');
}
