import { describe, expect, it, vi } from 'vitest';
import {
  AUDIO_LABELS,
  AUDIO_NO_ANSWER_SHARE,
  AUDIO_RELEASE_COUNT,
  RIGHT_AUDIO_LABELS,
  audioCatalog,
  audioLabelCounts,
  audioSearchWords,
  audioTruth,
  creditedName,
  findAudioRelease,
  findAudioUpload,
  searchAudioUploads,
  stripNumber,
  type AudioLabel,
  type AudioTrackRow,
} from './audio-catalog.ts';

const SEED = 20_241_220;
const SEEDS = [SEED, 1, 42];
const YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;

function playableRows(rows: readonly AudioTrackRow[]): AudioTrackRow[] {
  return rows.flatMap((row) =>
    row.type === 'heading' ? [] : row.type === 'index' ? [...(row.subTracks ?? [])] : [row],
  );
}

describe(audioCatalog.name, () => {
  it('is the same for the same seed, built anew, and different for another seed', async () => {
    const before = JSON.stringify(audioCatalog(SEED));
    vi.resetModules();
    const fresh = await import('./audio-catalog.ts');
    expect(fresh.audioCatalog).not.toBe(audioCatalog);
    expect(JSON.stringify(fresh.audioCatalog(SEED))).toBe(before);
    expect(JSON.stringify(fresh.audioTruth(SEED))).toBe(JSON.stringify(audioTruth(SEED)));
    expect(audioCatalog(SEED + 1).releases.map((release) => release.id)).not.toEqual(
      audioCatalog(SEED).releases.map((release) => release.id),
    );
  });

  it.each(SEEDS)('has %i: 25 releases with Discogs-like ids, distinct upload ids of each platform', (seed) => {
    const { releases, uploads } = audioCatalog(seed);
    expect(releases).toHaveLength(AUDIO_RELEASE_COUNT);
    expect(AUDIO_RELEASE_COUNT).toBe(25);
    for (const release of releases) expect(String(release.id)).toMatch(/^[1-9]\d{5,6}$/);
    expect(new Set(releases.map((release) => release.id)).size).toBe(releases.length);
    expect(new Set(uploads.map((upload) => upload.key)).size).toBe(uploads.length);
    for (const upload of uploads) {
      expect(upload.key).toBe(`${upload.platform}:${upload.id}`);
      if (upload.platform === 'youtube') {
        expect(upload.id).toMatch(YOUTUBE_ID);
        expect(upload.uploaderId).toMatch(/^UC[A-Za-z0-9_-]{22}$/);
        expect(upload.durationMs % 1000).toBe(0);
      } else {
        expect(upload.id).toMatch(/^\d{9,10}$/);
        expect(upload.uploaderId).toMatch(/^\d+$/);
      }
      expect(upload.publishedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    }
    // SoundCloud permalinks are unique under their user, as URLs need them to be.
    const soundcloud = uploads.filter((upload) => upload.platform === 'soundcloud');
    const paths = soundcloud.map((upload) => `${upload.uploaderPermalink}/${upload.permalink}`);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('writes tracklists as Discogs does: positions, headings, index tracks, empty durations', () => {
    const { releases } = audioCatalog(SEED);
    const rows = releases.flatMap((release) => release.tracklist);
    const headings = rows.filter((row) => row.type === 'heading');
    const indexes = rows.filter((row) => row.type === 'index');
    expect(headings.length).toBeGreaterThanOrEqual(3);
    for (const heading of headings) expect(heading).toMatchObject({ position: '', duration: '' });
    expect(indexes.length).toBeGreaterThanOrEqual(1);
    expect(indexes.length).toBeLessThanOrEqual(3);
    for (const index of indexes) {
      expect(index.duration).toBe('');
      expect(index.subTracks?.length).toBeGreaterThanOrEqual(3);
      for (const sub of index.subTracks ?? []) expect(sub.position).toMatch(/^C1(\.\d|[a-d])$/);
    }
    const positions = rows.filter((row) => row.type === 'track').map((row) => row.position);
    expect(positions).toContain('A1');
    expect(positions).toContain('1');
    expect(positions.some((position) => /^(CD)?\d-\d+$/.test(position))).toBe(true);
    expect(positions.some((position) => /^[AB]$/.test(position))).toBe(true);
    const durations = rows.flatMap((row) => [row, ...(row.subTracks ?? [])]).filter((row) => row.type === 'track');
    expect(durations.some((row) => row.duration === '')).toBe(true);
    expect(durations.filter((row) => row.duration !== '').every((row) => /^\d{1,2}:[0-5]\d$/.test(row.duration))).toBe(
      true,
    );
  });

  it('credits like Discogs: Various with per-track artists, (n) suffixes, name variations, joins', () => {
    const { releases } = audioCatalog(SEED);
    const various = releases.filter((release) => release.artists[0]?.name === 'Various');
    expect(various.length).toBeGreaterThanOrEqual(3);
    for (const release of various) {
      expect(release.artists).toEqual([{ name: 'Various', anv: '', join: '', role: '', tracks: '', id: 194 }]);
      for (const row of release.tracklist.filter((candidate) => candidate.type === 'track')) {
        expect(row.artists?.length).toBeGreaterThan(0);
      }
    }
    const credits = releases.flatMap((release) => [
      ...release.artists,
      ...release.tracklist.flatMap((row) => row.artists ?? []),
    ]);
    const numbered = credits.filter((credit) => /\s\(\d+\)$/.test(credit.name));
    expect(numbered.length).toBeGreaterThan(0);
    for (const credit of numbered) expect(creditedName(credit)).toBe(credit.anv || stripNumber(credit.name));
    expect(credits.some((credit) => credit.anv !== '' && credit.anv !== credit.name)).toBe(true);
    expect(credits.some((credit) => credit.join === '&' || credit.join === 'Feat.')).toBe(true);
    // A track's cleaned artists never carry the Discogs number.
    for (const release of releases) {
      for (const track of release.tracks) for (const artist of track.artists) expect(artist).not.toMatch(/\(\d+\)$/);
    }
  });

  it('numbers playable tracks across index parts, skipping headings and index rows', () => {
    for (const release of audioCatalog(SEED).releases) {
      const rows = playableRows(release.tracklist);
      expect(release.tracks.map((track) => track.position)).toEqual(rows.map((row) => row.position));
      expect(release.tracks.map((track) => track.index)).toEqual(rows.map((_, i) => i));
      expect(release.tracks.map((track) => track.discogsDuration)).toEqual(rows.map((row) => row.duration));
      for (const track of release.tracks) {
        expect(track.releaseId).toBe(release.id);
        if (track.discogsDuration !== '') {
          const [minutes, seconds] = track.discogsDuration.split(':').map(Number);
          expect((minutes ?? 0) * 60 + (seconds ?? 0)).toBe(track.durationSeconds);
        }
        if (track.indexTitle !== null) expect(track.fullTitle).toBe(`${track.indexTitle}: ${track.title}`);
      }
    }
  });

  it('gives about half the releases curated videos: right uploads, live clips and unrelated ones', () => {
    for (const seed of SEEDS) {
      const { releases } = audioCatalog(seed);
      const withVideos = releases.filter((release) => release.videos.length > 0);
      expect(withVideos.length).toBeGreaterThanOrEqual(7);
      expect(withVideos.length).toBeLessThanOrEqual(18);
      const labels = new Set<AudioLabel>();
      for (const release of withVideos) {
        for (const video of release.videos) {
          expect(video.uri).toBe(`https://www.youtube.com/watch?v=${video.videoId}`);
          expect(video.embed).toBe(true);
          const upload = findAudioUpload(seed, `youtube:${video.videoId}`);
          expect(upload?.releaseId).toBe(release.id);
          expect(video.title).toBe(upload?.title);
          expect([0, (upload?.durationMs ?? 0) / 1000]).toContain(video.duration);
          if (upload !== undefined) labels.add(upload.label);
        }
      }
      expect([...labels].some((label) => RIGHT_AUDIO_LABELS.has(label))).toBe(true);
      expect(labels.has('unrelated')).toBe(true);
    }
  });

  it('finds releases by id', () => {
    const release = audioCatalog(SEED).releases[3];
    expect(findAudioRelease(SEED, release?.id ?? 0)).toBe(release);
    expect(findAudioRelease(SEED, 1)).toBeUndefined();
  });
});

describe(audioTruth.name, () => {
  it.each(SEEDS)('has %i: about 10% of the tracks with no right answer, only wrong versions', (seed) => {
    const { tracks } = audioTruth(seed);
    expect(tracks.length).toBeGreaterThan(180);
    const none = tracks.filter((entry) => entry.acceptable.length === 0);
    expect(none.length).toBe(Math.round(tracks.length * AUDIO_NO_ANSWER_SHARE));
    for (const entry of none) {
      expect(entry.acceptableByPlatform).toEqual({ youtube: [], soundcloud: [] });
      expect(entry.candidates.length).toBeGreaterThanOrEqual(3);
      expect(entry.candidates.every((candidate) => !candidate.right)).toBe(true);
    }
    const release = audioCatalog(seed).releases.find((candidate) => candidate.id === none[0]?.releaseId);
    expect(release?.tracks[none[0]?.trackIndex ?? 0]?.hasAnswer).toBe(false);
  });

  it.each(SEEDS)('has %i: right answers within 3 s of the track, on either platform', (seed) => {
    const { tracks } = audioTruth(seed);
    for (const entry of tracks) {
      expect(entry.acceptable).toEqual([
        ...entry.acceptableByPlatform.youtube.map((id) => `youtube:${id}`),
        ...entry.acceptableByPlatform.soundcloud.map((id) => `soundcloud:${id}`),
      ]);
      for (const key of entry.acceptable) {
        const upload = findAudioUpload(seed, key);
        expect(upload?.right).toBe(true);
        expect(RIGHT_AUDIO_LABELS.has(upload?.label ?? 'unrelated')).toBe(true);
        expect(Math.abs((upload?.durationMs ?? 0) / 1000 - entry.durationSeconds)).toBeLessThanOrEqual(3);
        if (upload?.label === 'topic') {
          expect(upload.durationMs).toBe(entry.durationSeconds * 1000);
          expect(upload.uploader).toMatch(/ - Topic$/);
          expect(upload.title.startsWith(entry.fullTitle)).toBe(true);
        }
      }
      for (const candidate of entry.candidates) expect(candidate.right).toBe(RIGHT_AUDIO_LABELS.has(candidate.label));
    }
    // Some tracks are right only on SoundCloud.
    expect(tracks.some((entry) => entry.acceptable.length > 0 && entry.acceptableByPlatform.youtube.length === 0)).toBe(
      true,
    );
  });

  it('labels every kind of upload, wrong-length ones outside the tolerance', () => {
    const counts = audioLabelCounts(SEED);
    for (const label of AUDIO_LABELS) expect(counts.all[label]).toBeGreaterThan(label === 'unrelated' ? 5 : 40);
    expect(counts.soundcloud.topic).toBe(0);
    expect(counts.soundcloud.lyric).toBe(0);
    const truth = audioTruth(SEED);
    expect(Object.keys(truth.labels)).toHaveLength(audioCatalog(SEED).uploads.length);
    for (const entry of truth.tracks) {
      for (const candidate of entry.candidates) {
        const upload = findAudioUpload(SEED, candidate.key);
        const seconds = (upload?.durationMs ?? 0) / 1000;
        if (candidate.label === 'wrong_length') expect(Math.abs(seconds - entry.durationSeconds)).toBeGreaterThan(10);
        if (candidate.label === 'hour_loop') expect(seconds).toBeGreaterThanOrEqual(3600);
        expect(truth.labels[candidate.key]).toBe(candidate.label);
      }
    }
  });

  it('gives each answered track an official upload on some platform, a Topic upload on most', () => {
    const { tracks } = audioTruth(SEED);
    const answered = tracks.filter((entry) => entry.acceptable.length > 0);
    const topic = answered.filter((entry) => entry.candidates.some((candidate) => candidate.label === 'topic'));
    expect(topic.length / answered.length).toBeGreaterThan(0.5);
    expect(topic.length).toBeLessThan(answered.length);
  });
});

describe(searchAudioUploads.name, () => {
  it('finds a track’s uploads for "artist title", the right ones near the top but not always first', () => {
    const { tracks } = audioTruth(SEED);
    let firstIsRight = 0;
    let answered = 0;
    for (const entry of tracks.filter((candidate) => candidate.acceptableByPlatform.youtube.length > 0)) {
      const hits = searchAudioUploads(SEED, 'youtube', `${entry.artists.join(' ')} ${entry.fullTitle}`);
      const keys = hits.slice(0, 15).map((hit) => hit.upload.key);
      const own = entry.candidates.filter((candidate) => candidate.platform === 'youtube').map((c) => c.key);
      expect(own.filter((key) => keys.includes(key)).length).toBeGreaterThan(0);
      answered++;
      if (entry.acceptable.includes(hits[0]?.upload.key ?? '')) firstIsRight++;
    }
    expect(firstIsRight / answered).toBeGreaterThan(0.3);
    expect(firstIsRight).toBeLessThan(answered);
  });

  it('is deterministic per query, empty for words nothing has, and folds case and accents', () => {
    const [hit] = searchAudioUploads(SEED, 'soundcloud', 'nightcore');
    expect(hit?.upload.platform).toBe('soundcloud');
    expect(searchAudioUploads(SEED, 'youtube', 'Nightcore').map((h) => h.upload.key)).toEqual(
      searchAudioUploads(SEED, 'youtube', 'NIGHTCORE').map((h) => h.upload.key),
    );
    expect(searchAudioUploads(SEED, 'youtube', 'zzqxj')).toEqual([]);
    expect(searchAudioUploads(SEED, 'youtube', '  ')).toEqual([]);
    expect(audioSearchWords("Café Lumière – Don't")).toEqual(['cafe', 'lumiere', 'dont']);
  });
});
