/**
 * Raw YouTube Data API v3 payloads, as the upstream sends them (see `UPSTREAMS.md` §4 and developers.google.com's
 * `search.list` and `videos.list` references). Nothing here is validated: the client checks the envelope and
 * `map.ts` reads every item field defensively. `search.list` titles are HTML-escaped (`&#39;`, `&amp;`).
 */

export interface YouTubeThumbnail {
  url: string;
  width?: number;
  height?: number;
}

/** `default` 120×90, `medium` 320×180, `high` 480×360; videos.list may add `standard` and `maxres`. */
export interface YouTubeThumbnails {
  default?: YouTubeThumbnail;
  medium?: YouTubeThumbnail;
  high?: YouTubeThumbnail;
  standard?: YouTubeThumbnail;
  maxres?: YouTubeThumbnail;
}

export interface YouTubeSnippet {
  publishedAt?: string;
  channelId?: string;
  /** HTML-escaped in `search.list` answers. */
  title: string;
  description?: string;
  thumbnails?: YouTubeThumbnails;
  /** The uploader; `<Artist> - Topic` for YouTube's auto-generated artist channels. */
  channelTitle?: string;
  /** `none`, `live` or `upcoming`. */
  liveBroadcastContent?: 'none' | 'live' | 'upcoming' | (string & {});
  publishTime?: string;
  categoryId?: string;
}

/** One `search.list` result; with `type=video` every `id.kind` is `youtube#video`. */
export interface YouTubeSearchResult {
  kind: 'youtube#searchResult';
  etag?: string;
  id: { kind: string; videoId?: string; channelId?: string; playlistId?: string };
  snippet: YouTubeSnippet;
}

/** The answer of `GET /search`. */
export interface YouTubeSearchListResponse {
  kind: 'youtube#searchListResponse';
  etag?: string;
  nextPageToken?: string;
  prevPageToken?: string;
  regionCode?: string;
  /** `totalResults` is an estimate. */
  pageInfo?: { totalResults?: number; resultsPerPage?: number };
  items: YouTubeSearchResult[];
}

/** One `videos.list` item (parts `contentDetails` and `snippet`; `statistics` when asked for). */
export interface YouTubeVideo {
  kind: 'youtube#video';
  etag?: string;
  id: string;
  snippet?: YouTubeSnippet;
  contentDetails?: {
    /** ISO 8601: `PT4M3S`, `PT1H2M3S`, `P1DT2H`; `P0D` for a live stream. */
    duration?: string;
    dimension?: string;
    definition?: string;
    caption?: string;
    licensedContent?: boolean;
  };
  /** Counts are strings. */
  statistics?: { viewCount?: string; likeCount?: string; commentCount?: string };
}

/** The answer of `GET /videos`; ids YouTube no longer serves (removed, private) are simply absent. */
export interface YouTubeVideoListResponse {
  kind: 'youtube#videoListResponse';
  etag?: string;
  pageInfo?: { totalResults?: number; resultsPerPage?: number };
  items: YouTubeVideo[];
}

/** Google's error envelope: a 403 with `reason: "quotaExceeded"` is the spent daily quota. */
export interface YouTubeErrorResponse {
  error: {
    code: number;
    message: string;
    status?: string;
    errors?: { message?: string; domain?: string; reason?: string }[];
  };
}
