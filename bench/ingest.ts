/**
 * Ingest benchmark: the set-based page upsert (`ReleasesRepository.ingestPage`, a constant number of statements per
 * page) against a row-by-row baseline written here (one `INSERT … ON CONFLICT` per song, then a per-song featured
 * check and update and a per-event insert, each its own round trip, in one transaction per page). Same data, same
 * pages, same clock; both end states are compared. Runs on in-memory PGlite and, when reachable, on PostgreSQL.
 *
 *   node --expose-gc --import tsx bench/ingest.ts [--songs 20000] [--page-size 50] [--quick] [--no-pg]
 *                                                  [--pg-url postgres://postgres@127.0.0.1:5432/test]
 *
 * Prints figures; never fails on speed.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql, type SQL } from 'drizzle-orm';
import { openDatabase, queryRows, type Database, type DatabaseHandle } from '../src/infra/db.ts';
import { mapJioSaavnItems } from '../src/providers/jiosaavn/map.ts';
import { toSongWrite } from '../src/releases/fetcher.ts';
import type { Release } from '../src/releases/contract.ts';
import { releasePresenter } from '../src/releases/present.ts';
import { ReleasesRepository, type EventRow, type SongRow, type SongWrite } from '../src/releases/repository.ts';
import {
  collectGarbage,
  createBenchDatabase,
  DEFAULT_PG_URL,
  describeMachine,
  CpuMeter,
  fixed,
  heading,
  loadNow,
  int,
  isMain,
  machineInfo,
  table,
  summaryTable,
  type SummaryRow,
} from './lib.ts';

// ---------------------------------------------------------------------------------------------------------------
// Data: raw JioSaavn v4 song items (the shape the sandbox and the upstream send), mapped by the real mapper, then
// turned into SongWrites exactly as the fetcher does (album key, fingerprint). Several songs per album; an album's
// songs are listed close together but may straddle a page boundary, as upstream.

/** Deterministic PRNG (mulberry32), so every run and every variant sees identical data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LANGUAGES = ['hindi', 'tamil', 'telugu', 'punjabi', 'malayalam'] as const;
const FIRST = [
  'Arijit',
  'Shreya',
  'Sid',
  'Anirudh',
  'Diljit',
  'Neha',
  'Vishal',
  'Sunidhi',
  'Karthik',
  'Jubin',
  'Armaan',
  'Chinmayi',
  'Haricharan',
  'Shilpa',
  'Amit',
  'Pritam',
];
const LAST = [
  'Singh',
  'Ghoshal',
  'Sriram',
  'Ravichander',
  'Dosanjh',
  'Kakkar',
  'Mishra',
  'Chauhan',
  'Nautiyal',
  'Malik',
  'Sripaada',
  'Rao',
  'Trivedi',
  'Menon',
  'Iyer',
];
const WORDS = [
  'Dil',
  'Ishq',
  'Raat',
  'Sapne',
  'Baarish',
  'Mohabbat',
  'Kadhal',
  'Nenjame',
  'Pyaar',
  'Safar',
  'Roshni',
  'Jaan',
  'Tere',
  'Naina',
  'Khwab',
  'Saathiya',
  'Mazhai',
  'Ennodu',
  'Yaara',
  'Zindagi',
];

const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

export interface DataOptions {
  songs: number;
  /** External ids start with this, so a warm-up set never collides with the measured one. */
  prefix: string;
  seed: number;
  /** Release dates fall within `daysBack` days before this (so the list's recent window shows them). */
  now: Date;
  daysBack?: number;
}

/** `songs` SongWrites (or a few more, never fewer than asked is not guaranteed: exactly `songs`). */
export function generateSongWrites(options: DataOptions): SongWrite[] {
  const random = prng(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const token = (n: number): string => Array.from({ length: n }, () => pick([...ALPHA])).join('');
  const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const person = (): { id: string; name: string } => ({ id: digits(7), name: `${pick(FIRST)} ${pick(LAST)}` });
  const artistJson = (a: { id: string; name: string }, role: string): Record<string, unknown> => ({
    id: a.id,
    name: a.name,
    role,
    image: `https://c.saavncdn.com/artists/${a.name.replace(/ /g, '_')}_${digits(8)}_150x150.jpg`,
    type: 'artist',
    perma_url: `https://www.jiosaavn.com/artist/${a.name.toLowerCase().replace(/ /g, '-')}-songs/${token(11)}_`,
  });
  const daysBack = options.daysBack ?? 20;
  const items: { raw: Record<string, unknown>; language: string }[] = [];
  let seq = 0;
  while (items.length < options.songs) {
    const r = random();
    // ~25% singles, ~20% EPs of 2–4, ~55% albums and soundtracks of 5–12 songs: about 5 songs per album on average.
    const size = r < 0.25 ? 1 : r < 0.45 ? 2 + Math.floor(random() * 3) : 5 + Math.floor(random() * 8);
    const language = pick(LANGUAGES);
    const albumId = digits(8);
    const albumTitle = `${pick(WORDS)} ${pick(WORDS)}${random() < 0.2 ? ' (Original Motion Picture Soundtrack)' : ''}`;
    const composers = [person()];
    const label = `${pick(WORDS)} Music`;
    const date = new Date(options.now.getTime() - Math.floor(random() * daysBack) * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const albumSlug = albumTitle.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    for (let i = 0; i < size && items.length < options.songs; i++) {
      seq++;
      const id = `${options.prefix}${token(8)}${seq}`;
      const title = `${pick(WORDS)} ${pick(WORDS)}${random() < 0.15 ? ' &quot;Reprise&quot;' : ''}`;
      const singers = random() < 0.5 ? [person()] : [person(), person()];
      const artists = singers.map((s) => artistJson(s, 'singer'));
      items.push({
        language,
        raw: {
          id,
          title,
          subtitle: `${singers.map((s) => s.name).join(', ')} - ${title}`,
          header_desc: '',
          type: 'song',
          perma_url: `https://www.jiosaavn.com/song/${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}/${token(11)}`,
          image: `https://c.saavncdn.com/${digits(3)}/${albumSlug}-${language}-${date.slice(0, 4)}-${digits(8)}-150x150.jpg`,
          language,
          year: date.slice(0, 4),
          play_count: String(Math.floor(random() * 5_000_000)),
          explicit_content: random() < 0.05 ? '1' : '0',
          list_count: '0',
          list_type: '',
          list: '',
          more_info: {
            music: composers.map((c) => c.name).join(', '),
            album_id: albumId,
            album: albumTitle,
            label,
            label_id: null,
            origin: 'none',
            is_dolby_content: false,
            '320kbps': 'true',
            encrypted_media_url: token(64),
            encrypted_cache_url: '',
            album_url: `https://www.jiosaavn.com/album/${albumSlug}/${token(11)}__`,
            duration: String(120 + Math.floor(random() * 240)),
            rights: { code: '0', cacheable: 'true', delete_cached_object: 'true', reason: '' },
            cache_state: 'false',
            has_lyrics: 'false',
            starred: 'false',
            copyright_text: `© ${date.slice(0, 4)} ${label}`,
            artistMap: {
              primary_artists: artists,
              featured_artists: [],
              artists: [...artists, ...composers.map((c) => artistJson(c, 'music'))],
            },
            release_date: date,
            label_url: '',
            vcode: digits(15),
            vlink: `https://jiotunepreview.jio.com/content/Converted/${digits(15)}.mp3`,
            triller_available: false,
            request_jiotune_flag: false,
            webp: '',
          },
          button_tooltip_info: [],
        },
      });
    }
  }
  // Upstream lists an album's songs near each other, not strictly together: shuffle within windows of 30 items.
  for (let start = 0; start < items.length; start += 30) {
    const end = Math.min(items.length, start + 30);
    for (let i = end - 1; i > start; i--) {
      const j = start + Math.floor(random() * (i - start + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
  }
  const writes: SongWrite[] = [];
  for (const { raw, language } of items) {
    const mapped = mapJioSaavnItems([raw], { language });
    const item = mapped.items[0];
    if (!item) throw new Error(`generated item not mappable: ${JSON.stringify(mapped.skipped)}`);
    writes.push(toSongWrite(item));
  }
  return writes;
}

export function paginate<T>(list: readonly T[], size: number): T[][] {
  const pages: T[][] = [];
  for (let i = 0; i < list.length; i += size) pages.push(list.slice(i, i + size));
  return pages;
}

/**
 * Stores `releases` albums (several songs each, dated within the list's recent window) through ingestPage, for the
 * benchmarks that read lists (`http.ts`, `memory.ts`).
 */
export async function seedReleases(
  database: DatabaseHandle,
  releases: number,
  options: { prefix: string; seed: number; runId: string },
): Promise<{ songs: number; featured: number }> {
  const now = new Date();
  const all = generateSongWrites({
    songs: Math.ceil(releases * 6),
    prefix: options.prefix,
    seed: options.seed,
    now,
    daysBack: 25,
  });
  const albums = new Set<string>();
  const songs = all.filter((s) => {
    if (albums.size >= releases && !albums.has(s.albumKey)) return false;
    albums.add(s.albumKey);
    return true;
  });
  const repository = new ReleasesRepository(database.db);
  const present = releasePresenter(7);
  let featured = 0;
  for (const page of paginate(songs, 50)) {
    const out = await repository.ingestPage(page, {
      runId: options.runId,
      now,
      payloadOf: (song) => present({ ...song, featured: true }, now),
    });
    featured += out.newlyFeatured.length;
  }
  await repository.recordSource('jiosaavn', { ok: true, at: now });
  return { songs: songs.length, featured };
}

// ---------------------------------------------------------------------------------------------------------------
// The row-by-row baseline: what the page write looks like without set-based SQL. Same tables, same rules (first
// occurrence of a song in a page wins; unchanged fingerprint → no write; an album's first inserted song is featured
// when it has none; new_release for a newly featured song, release_updated for a changed featured song), same
// Drizzle `execute` path as the repository, each statement its own round trip.

const COLUMNS = sql.raw(`s.id, s.source, s.external_id, s.title, s.artist_names, s.album, s.album_key,
  s.album_external_id, s.language, to_char(s.release_date, 'YYYY-MM-DD') AS release_date, s.image_url, s.url,
  s.duration_seconds, s.kind, s.metadata, s.fingerprint, s.featured, s.likes, s.added_at, s.updated_at`);

interface RawSong {
  id: string | number;
  source: string;
  external_id: string;
  title: string;
  artist_names: string[] | string;
  album: string;
  album_key: string;
  album_external_id: string | null;
  language: string;
  release_date: string | null;
  image_url: string | null;
  url: string | null;
  duration_seconds: number | null;
  kind: 'song' | 'album';
  metadata: unknown;
  fingerprint: string;
  featured: boolean;
  likes: number;
  added_at: Date | string;
  updated_at: Date | string;
}

const parsed = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

function toSong(r: RawSong): SongRow {
  return {
    id: Number(r.id),
    source: r.source,
    externalId: r.external_id,
    title: r.title,
    artists: parsed<string[]>(r.artist_names),
    album: r.album,
    albumKey: r.album_key,
    albumExternalId: r.album_external_id,
    language: r.language,
    releaseDate: r.release_date,
    sortDate: r.release_date ?? new Date(r.added_at).toISOString().slice(0, 10),
    imageUrl: r.image_url,
    url: r.url,
    durationSeconds: r.duration_seconds,
    kind: r.kind,
    metadata: parsed(r.metadata),
    fingerprint: r.fingerprint,
    featured: r.featured,
    likes: r.likes,
    addedAt: new Date(r.added_at),
    updatedAt: new Date(r.updated_at),
  };
}

export interface PageOptions {
  runId: string;
  now: Date;
  payloadOf: (song: SongRow, type: EventRow['type'], detectedAt: Date) => Release;
}

/** Writes counted by a variant: rows the page actually changed. */
interface Writes {
  inserted: number;
  updated: number;
  featured: number;
  events: number;
}

export async function ingestRowByRow(db: Database, songs: readonly SongWrite[], o: PageOptions): Promise<Writes> {
  const writes: Writes = { inserted: 0, updated: 0, featured: 0, events: 0 };
  if (songs.length === 0) return writes;
  const seen = new Set<string>();
  const now = o.now.toISOString();
  await db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Database;
    const event = async (song: SongRow, type: EventRow['type']): Promise<void> => {
      const payload = JSON.stringify(o.payloadOf(song, type, o.now));
      await queryRows(
        tx,
        sql`INSERT INTO new_release_events (song_id, type, payload, run_id, detected_at)
            VALUES (${song.id}, ${type}, ${payload}::jsonb, ${o.runId}, ${now}::timestamptz)
            RETURNING id, song_id, type, payload, detected_at`,
      );
      writes.events++;
    };
    for (const s of songs) {
      const key = `${s.source}\u0000${s.externalId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const rows = await queryRows<RawSong & { inserted: boolean }>(
        tx,
        sql`INSERT INTO songs AS s (source, external_id, title, artists, artist_names, album, album_key,
              album_external_id, language, release_date, sort_date, image_url, url, duration_seconds, kind, metadata,
              fingerprint, added_at, updated_at)
            VALUES (${s.source}, ${s.externalId}, ${s.title}, ${s.artists.join(', ')},
              ${JSON.stringify(s.artists)}::jsonb, ${s.album}, ${s.albumKey}, ${s.albumExternalId}, ${s.language},
              ${s.releaseDate}::date, COALESCE(${s.releaseDate}::date, (${now}::timestamptz AT TIME ZONE 'UTC')::date),
              ${s.imageUrl}, ${s.url}, ${s.durationSeconds}::int, ${s.kind},
              ${JSON.stringify(s.metadata ?? {})}::jsonb, ${s.fingerprint}, ${now}::timestamptz, ${now}::timestamptz)
            ON CONFLICT (source, external_id) DO UPDATE SET
              title = EXCLUDED.title, artists = EXCLUDED.artists, artist_names = EXCLUDED.artist_names,
              album = EXCLUDED.album, album_external_id = EXCLUDED.album_external_id, language = EXCLUDED.language,
              release_date = EXCLUDED.release_date,
              sort_date = COALESCE(EXCLUDED.release_date, (s.added_at AT TIME ZONE 'UTC')::date),
              image_url = EXCLUDED.image_url, url = EXCLUDED.url, duration_seconds = EXCLUDED.duration_seconds, kind = EXCLUDED.kind, metadata = EXCLUDED.metadata,
              fingerprint = EXCLUDED.fingerprint, updated_at = EXCLUDED.updated_at
            WHERE s.fingerprint IS DISTINCT FROM EXCLUDED.fingerprint
            RETURNING ${COLUMNS}, (xmax = 0) AS inserted`,
      );
      const row = rows[0];
      if (!row) continue; // unchanged: no write
      const song = toSong(row);
      if (!row.inserted) {
        writes.updated++;
        if (song.featured) await event(song, 'release_updated');
        continue;
      }
      writes.inserted++;
      const current = await queryRows(
        tx,
        sql`SELECT id FROM songs WHERE album_key = ${song.albumKey} AND featured LIMIT 1`,
      );
      if (current.length > 0) continue;
      const featured = await queryRows<RawSong>(
        tx,
        sql`UPDATE songs AS s SET featured = true WHERE s.id = ${song.id} RETURNING ${COLUMNS}`,
      );
      writes.featured++;
      await event(toSong(featured[0]!), 'new_release');
    }
  });
  return writes;
}

// ---------------------------------------------------------------------------------------------------------------
// Statement-level profile of ingestPage: the repository gets a Database whose transactions hand out a handle that
// times each `execute`, so the split needs no change to src/.

type Phase = 'prep' | 'begin' | 'upsert' | 'candidates' | 'feature' | 'events' | 'js in tx' | 'commit';
const PHASES: Phase[] = ['prep', 'begin', 'upsert', 'candidates', 'feature', 'events', 'js in tx', 'commit'];

class Profile {
  readonly ms = new Map<Phase, number>(PHASES.map((p) => [p, 0]));
  readonly count = new Map<Phase, number>(PHASES.map((p) => [p, 0]));
  add(phase: Phase, ms: number): void {
    this.ms.set(phase, (this.ms.get(phase) ?? 0) + ms);
    this.count.set(phase, (this.count.get(phase) ?? 0) + 1);
  }
}

function statementKind(query: SQL): Phase {
  const chunks = (query as unknown as { queryChunks?: { value?: string[] }[] }).queryChunks;
  const head = (chunks?.[0]?.value?.[0] ?? '').trim();
  if (head.startsWith('WITH input')) return 'upsert';
  if (head.startsWith('SELECT')) return 'candidates';
  if (head.startsWith('UPDATE') || head.startsWith('WITH keys')) return 'feature';
  if (head.startsWith('INSERT INTO new_release_events')) return 'events';
  return 'js in tx';
}

/** A Database whose transactions report BEGIN, each statement, JS time inside the transaction, and COMMIT. */
function profiled(db: Database, profile: Profile, marks: { txStart: number; txEnd: number }): Database {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'transaction') {
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return async (fn: (tx: unknown) => Promise<unknown>) => {
        const begin = performance.now();
        marks.txStart = begin;
        let entered = 0;
        let left = 0;
        let statements = 0;
        const result = await target.transaction(async (txRaw) => {
          entered = performance.now();
          profile.add('begin', entered - begin);
          const tx = new Proxy(txRaw, {
            get(t, p, r) {
              const v: unknown = Reflect.get(t, p, r);
              if (p !== 'execute') return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
              return async (query: SQL) => {
                const started = performance.now();
                const out: unknown = await (v as (q: SQL) => Promise<unknown>).call(t, query);
                const ms = performance.now() - started;
                statements += ms;
                profile.add(statementKind(query), ms);
                return out;
              };
            },
          });
          const value = await fn(tx);
          left = performance.now();
          return value;
        });
        const end = performance.now();
        marks.txEnd = end;
        profile.add('js in tx', left - entered - statements);
        profile.add('commit', end - left);
        return result;
      };
    },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Runs

interface PassResult {
  ms: number;
  songs: number;
  writes: Writes;
  /** CPU time of this process (the client; all of it for PGlite) and of the PostgreSQL backends of the database. */
  clientCpuMs: number;
  serverCpuMs: number;
}

interface EndState {
  songs: number;
  featured: number;
  events: number;
  newRelease: number;
  released: number;
  digest: string;
}

type Ingest = (db: Database, page: readonly SongWrite[], o: PageOptions) => Promise<Writes>;

const present = releasePresenter(7);
const payloadOf = (song: SongRow, _type: EventRow['type'], detectedAt: Date): Release =>
  present({ ...song, featured: true }, detectedAt);

/** The code under test: ReleasesRepository.ingestPage. */
const ingestSetBased: Ingest = async (db, page, o) => {
  const out = await new ReleasesRepository(db).ingestPage(page, o);
  return {
    inserted: out.inserted.length,
    updated: out.updated.length,
    featured: out.newlyFeatured.length,
    events: out.events.length,
  };
};

async function runPass(
  ingest: Ingest,
  db: Database,
  pages: readonly SongWrite[][],
  clock: (page: number) => Date,
  runId: string,
  meter = new CpuMeter(),
): Promise<PassResult> {
  const writes: Writes = { inserted: 0, updated: 0, featured: 0, events: 0 };
  let songs = 0;
  collectGarbage();
  await meter.start();
  const started = performance.now();
  for (let i = 0; i < pages.length; i++) {
    const page = pages[i]!;
    songs += page.length;
    const out = await ingest(db, page, { runId, now: clock(i), payloadOf });
    writes.inserted += out.inserted;
    writes.updated += out.updated;
    writes.featured += out.featured;
    writes.events += out.events;
  }
  const ms = performance.now() - started;
  const cpu = await meter.stop();
  return { ms, songs, writes, clientCpuMs: cpu.clientMs, serverCpuMs: cpu.serverMs };
}

async function endState(db: Database): Promise<EndState> {
  const songs = await queryRows<Record<string, unknown>>(
    db,
    sql`SELECT id, source, external_id, title, artists, artist_names, album, album_key, album_external_id, language,
          to_char(release_date, 'YYYY-MM-DD') AS release_date, image_url, url, duration_seconds, kind, metadata,
          fingerprint, featured, likes, added_at, updated_at
        FROM songs ORDER BY source, external_id`,
  );
  const events = await queryRows<Record<string, unknown>>(
    db,
    sql`SELECT e.id, s.source, s.external_id, e.type, e.payload, e.run_id, e.detected_at, e.notified
        FROM new_release_events e JOIN songs s ON s.id = e.song_id ORDER BY s.source, s.external_id, e.type, e.id`,
  );
  const hash = createHash('sha256');
  for (const row of [...songs, ...events]) hash.update(JSON.stringify(row));
  return {
    songs: songs.length,
    featured: songs.filter((r) => r.featured === true).length,
    events: events.length,
    newRelease: events.filter((r) => r.type === 'new_release').length,
    released: events.filter((r) => r.type === 'release_updated').length,
    digest: hash.digest('hex').slice(0, 16),
  };
}

async function reset(db: Database): Promise<void> {
  await db.execute(sql`TRUNCATE songs, new_release_events, song_likes RESTART IDENTITY CASCADE`);
}

interface VariantResult {
  name: string;
  /** Part of src/ (the code under test or the baseline) rather than a bench-only change. */
  inSrc: boolean;
  first: PassResult;
  rerun: PassResult;
  state: EndState;
}

export interface BackendIngestResult {
  backend: 'PGlite' | 'PostgreSQL';
  pageSize: number;
  variants: VariantResult[];
  profiles: { name: string; ms: number; phases: Map<Phase, number> }[];
  batches: { pageSize: number; songsPerSec: number }[];
}

export interface IngestBenchOptions {
  songs: number;
  pageSize: number;
  /** Extra page sizes tried with ingestPage (fresh tables each), to show per-page overhead. */
  batchSizes: number[];
  pgUrl: string | undefined;
}

const BASE_TIME = Date.UTC(2026, 0, 15, 12, 0, 0);
const clock = (page: number): Date => new Date(BASE_TIME + page * 1000);
const later = (page: number): Date => new Date(BASE_TIME + 86_400_000 + page * 1000);

export const ROW_BY_ROW = 'row-by-row (baseline)';
export const SET_BASED = 'set-based ingestPage';

async function benchBackend(
  backend: BackendIngestResult['backend'],
  handle: DatabaseHandle,
  data: SongWrite[],
  warm: SongWrite[],
  o: IngestBenchOptions,
  postgres?: { url: string; name: string },
): Promise<BackendIngestResult> {
  const db = handle.db;
  const pages = paginate(data, o.pageSize);
  const meter = new CpuMeter(async () =>
    postgres
      ? (
          await queryRows<{ pid: number }>(db, sql`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
        ).map((r) => Number(r.pid))
      : [],
  );

  // Warm-up: every variant over a separate, smaller data set (JIT, plan caches, table files), then empty tables.
  const warmPages = paginate(warm, o.pageSize);
  for (const ingest of [ingestRowByRow, ingestSetBased]) {
    await runPass(ingest, db, warmPages, clock, 'warmup');
    await runPass(ingest, db, warmPages, later, 'warmup');
    await reset(db);
  }

  const variants: VariantResult[] = [];
  const measure = async (name: string, inSrc: boolean, ingest: Ingest, target: Database = db): Promise<void> => {
    process.stdout.write(`  ${backend} ${name}: first run ... `);
    const first = await runPass(ingest, target, pages, clock, 'bench-run', meter);
    process.stdout.write(`${int(rate(first))} songs/s; re-run ... `);
    const rerun = await runPass(ingest, target, pages, later, 'bench-rerun', meter);
    console.log(`${int(rate(rerun))} songs/s (${loadNow()})`);
    variants.push({ name, inSrc, first, rerun, state: await endState(target) });
    await reset(target);
  };
  await measure(ROW_BY_ROW, true, ingestRowByRow);
  await measure(SET_BASED, true, ingestSetBased);

  // Profile of ingestPage as is, then with an index on album_key (see the report for why).
  const profiles: BackendIngestResult['profiles'] = [];
  const profileRun = async (name: string, ingest: Ingest): Promise<void> => {
    const profile = new Profile();
    const marks = { txStart: 0, txEnd: 0 };
    const target = profiled(db, profile, marks);
    collectGarbage();
    const started = performance.now();
    for (let i = 0; i < pages.length; i++) {
      const callStarted = performance.now();
      await ingest(target, pages[i]!, { runId: 'bench-profile', now: clock(i), payloadOf });
      profile.add('prep', marks.txStart - callStarted + (performance.now() - marks.txEnd));
    }
    profiles.push({ name, ms: performance.now() - started, phases: profile.ms });
    await reset(db);
  };
  await profileRun('ingestPage as is', ingestSetBased);

  {
    if (postgres) {
      // Cumulative: metadata compressed with lz4 instead of pglz (PostgreSQL ≥ 14 built with lz4), then commits that
      // do not wait for the WAL flush (new sessions pick up the database setting).
      let lz4 = true;
      try {
        await db.execute(sql`ALTER TABLE songs ALTER COLUMN metadata SET COMPRESSION lz4`);
        await measure('prototype: ingestPage + metadata lz4', false, ingestSetBased);
      } catch (err) {
        lz4 = false;
        console.log(`  (lz4 not available: ${(err as Error).message})`);
      }
      await db.execute(sql.raw(`ALTER DATABASE "${postgres.name}" SET synchronous_commit = off`));
      const async = await openDatabase({ url: postgres.url });
      try {
        await measure(
          `prototype: ingestPage${lz4 ? ' + lz4' : ''} + synchronous_commit=off`,
          false,
          ingestSetBased,
          async.db,
        );
      } finally {
        await async.close();
        await db.execute(sql.raw(`ALTER DATABASE "${postgres.name}" RESET synchronous_commit`));
        if (lz4) await db.execute(sql`ALTER TABLE songs ALTER COLUMN metadata SET COMPRESSION pglz`);
      }
    }
    // Same ingestPage, bigger pages: how much of the cost is per page rather than per song.
    const batches: BackendIngestResult['batches'] = [];
    for (const size of o.batchSizes) {
      const run = await runPass(ingestSetBased, db, paginate(data, size), clock, 'bench-batch');
      batches.push({ pageSize: size, songsPerSec: rate(run) });
      await reset(db);
    }
    return { backend, pageSize: o.pageSize, variants, profiles, batches };
  }
}

const rate = (p: PassResult): number => (p.songs / p.ms) * 1000;
/** Songs per second of CPU (client + server): what one uncontended stream could reach if it never waited on I/O. */
const cpuRate = (p: PassResult): number => (p.songs / (p.clientCpuMs + p.serverCpuMs)) * 1000;

function variant(r: BackendIngestResult, name: string): VariantResult {
  const found = r.variants.find((v) => v.name === name);
  if (!found) throw new Error(`no variant ${name}`);
  return found;
}

const sameState = (a: EndState, b: EndState): boolean =>
  a.songs === b.songs && a.featured === b.featured && a.events === b.events && a.digest === b.digest;

function printBackend(r: BackendIngestResult): void {
  heading(`Ingest on ${r.backend} (pages of ${r.pageSize})`);
  const base = variant(r, ROW_BY_ROW);
  console.log(
    table(
      [
        'variant',
        'first run songs/s',
        'ms/page',
        'vs row-by-row',
        'CPU ms/page client+server',
        'songs/CPU-s',
        'vs row-by-row',
        're-run songs/s',
        'vs row-by-row',
        'writes ins/upd/feat/ev',
        'end state',
      ],
      r.variants.map((v) => [
        `${v.name}${v.inSrc ? '' : ' *'}`,
        int(rate(v.first)),
        fixed(v.first.ms / (v.first.songs / r.pageSize), 2),
        `${fixed(rate(v.first) / rate(base.first), 1)}x`,
        `${fixed(v.first.clientCpuMs / (v.first.songs / r.pageSize), 2)}+${fixed(v.first.serverCpuMs / (v.first.songs / r.pageSize), 2)}`,
        int(cpuRate(v.first)),
        `${fixed(cpuRate(v.first) / cpuRate(base.first), 1)}x`,
        int(rate(v.rerun)),
        `${fixed(rate(v.rerun) / rate(base.rerun), 1)}x`,
        `${v.first.writes.inserted}/${v.first.writes.updated}/${v.first.writes.featured}/${v.first.writes.events}` +
          ` then ${v.rerun.writes.inserted + v.rerun.writes.updated + v.rerun.writes.featured + v.rerun.writes.events}`,
        v === base
          ? `${v.state.digest} (reference)`
          : sameState(v.state, base.state)
            ? 'same'
            : `DIFFERS ${v.state.digest}`,
      ]),
      [0],
    ),
  );
  console.log(
    '* bench-only change, not in src/. songs/CPU-s = songs ÷ (CPU of this process + CPU of the PostgreSQL backends):\n' +
      '  the throughput one stream would reach on an idle machine if it never waited for I/O (fsync, scheduling).',
  );
  const s = variant(r, SET_BASED).state;
  const b = base.state;
  console.log(
    `end state check, set-based vs row-by-row: ${sameState(s, b) ? 'MATCH' : 'DIFFER'} — songs ${s.songs}/${b.songs}, ` +
      `featured ${s.featured}/${b.featured}, events ${s.events}/${b.events} (new_release ${s.newRelease}/` +
      `${b.newRelease}, release_updated ${s.released}/${b.released}), digest of every song and event row ` +
      `${s.digest}/${b.digest}`,
  );
  const songs = base.first.songs;
  const pages = Math.ceil(songs / r.pageSize);
  console.log(`\nWhere ingestPage's time goes (first run through a timing proxy), ms per page of ${r.pageSize}:`);
  console.log(
    table(
      ['phase', ...r.profiles.flatMap((p) => [p.name, 'share'])],
      [
        ...PHASES.map((phase) => [
          phase,
          ...r.profiles.flatMap((p) => {
            const ms = p.phases.get(phase) ?? 0;
            const total = [...p.phases.values()].reduce((sum, v) => sum + v, 0);
            return [fixed(ms / pages, 3), `${fixed((ms / total) * 100, 1)}%`];
          }),
        ]),
        ['songs/s', ...r.profiles.flatMap((p) => [int((songs / p.ms) * 1000), ''])],
      ],
    ),
  );
  console.log(
    'prep = input JSON before BEGIN + row mapping after COMMIT; upsert/feature/events = the three statements; ' +
      'js in tx = mapping between them.',
  );
  if (r.batches.length > 0) {
    console.log(`\nSame ingestPage, bigger pages, first run:`);
    const ref = variant(r, SET_BASED);
    console.log(
      table(
        ['page size', 'songs/s', `vs pages of ${r.pageSize}`],
        [
          [String(r.pageSize), int(rate(ref.first)), '1.00x'],
          ...r.batches.map((x) => [
            String(x.pageSize),
            int(x.songsPerSec),
            `${fixed(x.songsPerSec / rate(ref.first), 2)}x`,
          ]),
        ],
      ),
    );
  }
}

export interface IngestBenchResult {
  results: BackendIngestResult[];
  postgres: string | undefined;
  skipped: string | undefined;
  summary: SummaryRow[];
}

export async function runIngestBench(o: IngestBenchOptions): Promise<IngestBenchResult> {
  heading(`Ingest: ${int(o.songs)} songs in pages of ${o.pageSize}, set-based ingestPage vs row-by-row`);
  const now = new Date(BASE_TIME);
  const songs = generateSongWrites({ songs: o.songs, prefix: 'b', seed: 42, now });
  const warm = generateSongWrites({ songs: Math.min(2000, Math.ceil(o.songs / 10)), prefix: 'w', seed: 7, now });
  const albums = new Set(songs.map((s) => s.albumKey)).size;
  const bytes = songs.reduce((sum, s) => sum + JSON.stringify(s.metadata).length, 0);
  console.log(
    `data: ${int(songs.length)} songs in ${int(albums)} albums (${fixed(songs.length / albums, 1)} songs/album), ` +
      `metadata ${fixed(bytes / songs.length / 1024, 2)} KB/song (JioSaavn v4 items mapped by the real mapper)`,
  );

  const results: BackendIngestResult[] = [];
  const pglite = await openDatabase({});
  try {
    await pglite.migrate();
    results.push(await benchBackend('PGlite', pglite, songs, warm, o));
  } finally {
    await pglite.close();
  }

  let postgres: string | undefined;
  let skipped: string | undefined;
  if (o.pgUrl) {
    const created = await createBenchDatabase(o.pgUrl);
    if ('error' in created) {
      skipped = `PostgreSQL at ${o.pgUrl} unreachable (${created.error}): PostgreSQL ingest skipped`;
      console.log(`\n${skipped}`);
    } else {
      postgres = `PostgreSQL ${created.version}, database ${created.name}`;
      const handle = await openDatabase({ url: created.url });
      try {
        await handle.migrate();
        results.push(await benchBackend('PostgreSQL', handle, songs, warm, o, created));
      } finally {
        await handle.close();
        await created.drop();
      }
    }
  } else {
    skipped = 'PostgreSQL ingest skipped (--no-pg)';
  }
  for (const r of results) printBackend(r);
  return { results, postgres, skipped, summary: summarize(results, skipped) };
}

function summarize(results: BackendIngestResult[], skipped: string | undefined): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const r of results) {
    const pg = r.backend === 'PostgreSQL';
    const base = variant(r, ROW_BY_ROW);
    for (const v of r.variants) {
      if (v === base) continue;
      const ratio = rate(v.first) / rate(base.first);
      const label = v.inSrc ? `ingest ${r.backend}: ${v.name}` : `  (prototype) ${v.name.replace(/^prototype: /, '')}`;
      rows.push({
        figure: `${label}, songs/s`,
        value: int(rate(v.first)),
        baseline: `${int(rate(base.first))} row-by-row`,
        ratio: `${fixed(ratio, 1)}x`,
        target: pg ? '≥ 20x, ≥ 30,000/s' : '—',
        met: pg ? (ratio >= 20 && rate(v.first) >= 30_000 ? 'yes' : 'NO') : '—',
      });
      if (v.inSrc) {
        rows.push({
          figure: `ingest ${r.backend}: re-run, 0 writes, songs/s`,
          value: int(rate(v.rerun)),
          baseline: `${int(rate(base.rerun))} row-by-row`,
          ratio: `${fixed(rate(v.rerun) / rate(base.rerun), 1)}x`,
          target: '—',
          met: '—',
        });
        const same = sameState(v.state, base.state);
        rows.push({
          figure: `ingest ${r.backend}: end state = row-by-row's`,
          value: same ? 'same' : 'DIFFERS',
          baseline: `${v.state.songs} songs, ${v.state.featured} featured, ${v.state.events} events`,
          ratio: '—',
          target: 'same',
          met: same ? 'yes' : 'NO',
        });
      }
    }
  }
  if (skipped && !results.some((r) => r.backend === 'PostgreSQL')) {
    rows.push({
      figure: 'ingest PostgreSQL',
      value: '—',
      baseline: '—',
      ratio: '—',
      target: '≥ 20x, ≥ 30,000/s',
      met: 'skipped',
    });
  }
  return rows;
}

export function ingestArgs(
  quick: boolean,
  values: { songs?: string | undefined; 'page-size'?: string | undefined },
): Omit<IngestBenchOptions, 'pgUrl'> {
  const songs = values.songs ? Number.parseInt(values.songs, 10) : quick ? 5000 : 20_000;
  return {
    songs,
    pageSize: values['page-size'] ? Number.parseInt(values['page-size'], 10) : 50,
    batchSizes: quick ? [500] : [200, 1000],
  };
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      songs: { type: 'string' },
      'page-size': { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-pg': { type: 'boolean', default: false },
      'pg-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? DEFAULT_PG_URL },
    },
  });
  console.log(describeMachine(machineInfo(), undefined));
  const result = await runIngestBench({
    ...ingestArgs(values.quick, values),
    pgUrl: values['no-pg'] ? undefined : values['pg-url'],
  });
  heading('Summary');
  console.log(summaryTable(result.summary, [0, 2]));
}
