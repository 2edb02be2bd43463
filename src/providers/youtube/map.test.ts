import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ReleaseVideo } from '../../domain/audio.ts';
import type { DiscogsRelease } from '../discogs/api-types.ts';
import { mapDiscogsRelease } from '../discogs/map.ts';
import type { YouTubeSearchListResponse, YouTubeVideo, YouTubeVideoListResponse } from './api-types.ts';
import { mapReleaseVideos, mapSearchResults, parseIsoDuration, youtubeVideoId } from './map.ts';

function fixture<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../../../test/fixtures/${path}`, import.meta.url), 'utf8')) as T;
}

/** Recorded `search.list` answers (see /work/shared/fixtures/README.md for their origin). */
const bananaPancakes = fixture<YouTubeSearchListResponse>(
  'youtube/search-list-banana-pancakes-by-jack-johnson-2022-07-08.json',
);
const howToPlay = fixture<YouTubeSearchListResponse>('youtube/search-list-how-to-play-banana-pancakes-2022-07-08.json');

/** A `videos.list` answer for the given ids, in the shape YouTube sends (no recording of one is at hand). */
function videosFor(entries: [id: string, duration: string, more?: Partial<YouTubeVideo>][]): YouTubeVideoListResponse {
  return {
    kind: 'youtube#videoListResponse',
    items: entries.map(([id, duration, more]) => ({
      kind: 'youtube#video',
      id,
      contentDetails: { duration, definition: 'hd' },
      ...more,
    })),
  };
}

describe('parseIsoDuration', () => {
  it.each([
    ['PT1H2M3S', 3723],
    ['PT4M3S', 243],
    ['PT45S', 45],
    ['PT3M', 180],
    ['PT2H', 7200],
    ['PT1M0.6S', 61],
    ['P1D', 86400],
    ['P1DT2H', 93600],
    ['P1W', 604800],
    ['PT0S', 0],
    ['P0D', 0],
    ['  PT10S ', 10],
    ['PT', null],
    ['P', null],
    ['P1Y', null],
    ['P1M', null],
    ['PT1H2M3', null],
    ['pt1m', null],
    ['1:02', null],
    ['', null],
    [null, null],
    [42, null],
  ])('reads %j as %j', (value, expected) => {
    expect(parseIsoDuration(value)).toBe(expected);
  });
});

describe('youtubeVideoId', () => {
  it.each([
    ['https://www.youtube.com/watch?v=mm1L4ZEVkgs', 'mm1L4ZEVkgs'],
    ['http://youtube.com/watch?feature=share&v=-od9qyhLXEU&t=10', '-od9qyhLXEU'],
    ['https://m.youtube.com/watch?v=GllFw_obt-k', 'GllFw_obt-k'],
    ['https://music.youtube.com/watch?v=GllFw_obt-k&list=x', 'GllFw_obt-k'],
    ['https://youtu.be/dQw4w9WgXcQ', 'dQw4w9WgXcQ'],
    ['https://youtu.be/dQw4w9WgXcQ?t=42', 'dQw4w9WgXcQ'],
    ['https://www.youtube.com/embed/dQw4w9WgXcQ?autoplay=1', 'dQw4w9WgXcQ'],
    ['https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ', 'dQw4w9WgXcQ'],
    ['https://www.youtube.com/v/dQw4w9WgXcQ', 'dQw4w9WgXcQ'],
    ['https://www.youtube.com/shorts/dQw4w9WgXcQ', 'dQw4w9WgXcQ'],
    ['https://www.youtube.com/watch?v=short', null],
    ['https://www.youtube.com/watch?list=PL123', null],
    ['https://www.youtube.com/channel/UC4hQDT1yzyH0KeSKAPJqeMg', null],
    ['https://vimeo.com/123456', null],
    ['https://youtube.com.evil.test/watch?v=dQw4w9WgXcQ', null],
    ['javascript:alert(1)//youtu.be/dQw4w9WgXcQ', null],
    ['not a url', null],
  ])('reads %s as %j', (url, expected) => {
    expect(youtubeVideoId(url)).toBe(expected);
  });
});

describe('mapSearchResults on recorded search lists', () => {
  it('maps every result in order with the durations of videos.list', () => {
    const videos = videosFor([
      ['OkyrIRyrRdY', 'PT3M13S'],
      ['m-v-LGOfaKo', 'PT3M12S'],
      ['tH5Q9-M6t8c', 'PT4M1S'],
      ['5gB2prIYghM', 'PT3M11S'],
      ['XvaGCQAW6fo', 'PT3M10S'],
    ]);

    const candidates = mapSearchResults(bananaPancakes, videos);

    expect(candidates.map((c) => [c.id, c.uploader, c.durationSeconds])).toEqual([
      ['OkyrIRyrRdY', 'l onderwater', 193],
      ['m-v-LGOfaKo', 'JACK JOHNSON - Topic', 192],
      ['tH5Q9-M6t8c', 'JackJohnsonVEVO', 241],
      ['5gB2prIYghM', 'SweetSirenX', 191],
      ['XvaGCQAW6fo', 'Hurt Cobain', 190],
    ]);
    expect(candidates[1]).toEqual({
      platform: 'youtube',
      id: 'm-v-LGOfaKo',
      url: 'https://www.youtube.com/watch?v=m-v-LGOfaKo',
      title: 'Banana Pancakes',
      uploader: 'JACK JOHNSON - Topic',
      durationSeconds: 192,
      origin: 'youtube_search',
      plays: null,
      thumbnailUrl: 'https://i.ytimg.com/vi/m-v-LGOfaKo/hqdefault.jpg',
    });
  });

  it('unescapes HTML entities in titles', () => {
    const candidates = mapSearchResults(howToPlay);
    expect(candidates.map((c) => c.title)).toContain(
      '🎸 Banana Pancakes • Jack Johnson guitar lesson w/ chords & intro tab',
    );

    const quoted = structuredClone(bananaPancakes);
    quoted.items[0]!.snippet.title =
      'Albanese touts experience as Morrison calls him a &#39;blank page&#39; | ABC News';
    quoted.items[0]!.snippet.channelTitle = 'Simon &amp; Garfunkel';
    expect(mapSearchResults(quoted)[0]).toMatchObject({
      title: "Albanese touts experience as Morrison calls him a 'blank page' | ABC News",
      uploader: 'Simon & Garfunkel',
    });
  });

  it('keeps every result with unknown durations when videos.list was not asked', () => {
    const candidates = mapSearchResults(howToPlay);
    expect(candidates).toHaveLength(5);
    expect(candidates.every((c) => c.durationSeconds === null && c.plays === null)).toBe(true);
  });

  it('leaves out results videos.list no longer lists, and live or upcoming broadcasts', () => {
    const search = structuredClone(bananaPancakes);
    search.items[2]!.snippet.liveBroadcastContent = 'live';
    const videos = videosFor([
      ['OkyrIRyrRdY', 'PT3M13S'],
      ['tH5Q9-M6t8c', 'P0D'],
      ['5gB2prIYghM', 'P0D', { snippet: { title: 'x', liveBroadcastContent: 'upcoming' } }],
      ['XvaGCQAW6fo', 'PT0S', { statistics: { viewCount: '1234' } }],
    ]);

    const candidates = mapSearchResults(search, videos);

    // m-v-LGOfaKo is gone from videos.list; tH5Q9-M6t8c is live; 5gB2prIYghM is a premiere.
    expect(candidates.map((c) => [c.id, c.durationSeconds, c.plays])).toEqual([
      ['OkyrIRyrRdY', 193, null],
      ['XvaGCQAW6fo', null, 1234],
    ]);
  });

  it('skips results without a usable video id and lists each video once', () => {
    const search = structuredClone(bananaPancakes);
    search.items[1]!.id = { kind: 'youtube#channel', channelId: 'UC1' };
    search.items[2]!.id.videoId = 'bad id';
    search.items[3]!.id.videoId = 'OkyrIRyrRdY';
    (search.items as unknown[]).push(null, 'junk');
    expect(mapSearchResults(search).map((c) => c.id)).toEqual(['OkyrIRyrRdY', 'XvaGCQAW6fo']);
  });

  it('falls back to smaller thumbnails and to none', () => {
    const search = structuredClone(bananaPancakes);
    delete search.items[0]!.snippet.thumbnails!.high;
    search.items[1]!.snippet.thumbnails = { default: { url: 'javascript:x' } };
    const [first, second] = mapSearchResults(search);
    expect(first?.thumbnailUrl).toBe('https://i.ytimg.com/vi/OkyrIRyrRdY/mqdefault.jpg');
    expect(second?.thumbnailUrl).toBeNull();
  });

  it('answers [] for an answer without items', () => {
    expect(mapSearchResults({} as YouTubeSearchListResponse)).toEqual([]);
  });
});

describe('mapReleaseVideos', () => {
  const clockwork = mapDiscogsRelease(fixture<DiscogsRelease>('discogs/release-16004480.json'));

  it("maps the Clockwork Orange release's 19 curated videos to 18 candidates, the duplicate listed once", () => {
    const candidates = mapReleaseVideos(clockwork.videos);

    expect(candidates).toHaveLength(18);
    expect(new Set(candidates.map((c) => c.id)).size).toBe(18);
    expect(candidates[0]).toEqual({
      platform: 'youtube',
      id: 'mm1L4ZEVkgs',
      url: 'https://www.youtube.com/watch?v=mm1L4ZEVkgs',
      title: 'Erika Eigen: I Want To Marry A Lighthouse Keeper',
      uploader: '',
      durationSeconds: 92,
      origin: 'release_videos',
      plays: null,
      thumbnailUrl: null,
    });
    expect(candidates.find((c) => c.id === 'UPqxdtOtw54')?.durationSeconds).toBeNull();
  });

  it('reads youtu.be and embed links, canonicalises them and leaves other sites out', () => {
    const videos: ReleaseVideo[] = [
      { url: 'https://youtu.be/dQw4w9WgXcQ', title: 'A', durationSeconds: 212, description: '' },
      { url: 'https://www.youtube.com/embed/GllFw_obt-k', title: 'B', durationSeconds: null, description: '' },
      { url: 'https://vimeo.com/1', title: 'C', durationSeconds: 10, description: '' },
      { url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', title: 'A again', durationSeconds: 212, description: '' },
    ];
    expect(mapReleaseVideos(videos).map((c) => [c.url, c.title])).toEqual([
      ['https://www.youtube.com/watch?v=dQw4w9WgXcQ', 'A'],
      ['https://www.youtube.com/watch?v=GllFw_obt-k', 'B'],
    ]);
  });
});
