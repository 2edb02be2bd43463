import type { Album } from '../domain/album.ts';
import type {
  AlbumSummary,
  MusicBrainzMatch,
  PopularAlbum,
  TrendingAlbum,
  TrendingArtist,
  TrendingSource,
} from './contract.ts';
import type { ListedAlbum, RankedAlbum, RankedArtist, StoredMatch, StoredSourceState } from './repository.ts';

const MUSICBRAINZ_RELEASE_GROUP = 'https://musicbrainz.org/release-group/';

/** A stored outcome as the API shows it: with the link to the release group when matched. */
export function presentMatch(match: StoredMatch | undefined): MusicBrainzMatch | null {
  if (!match) return null;
  return {
    status: match.status,
    releaseGroupId: match.releaseGroupId,
    releaseId: match.releaseId,
    url: match.status === 'matched' && match.releaseGroupId ? MUSICBRAINZ_RELEASE_GROUP + match.releaseGroupId : null,
    confidence: match.confidence,
    mbScore: match.mbScore,
    reason: match.reason,
    attempts: match.attempts,
    decidedAt: match.decidedAt,
  };
}

const imageOf = (album: Album): string | null => album.images[0]?.url ?? null;

export function presentAlbum(album: Album, position: number | null, match: StoredMatch | undefined): TrendingAlbum {
  return {
    id: album.id,
    name: album.name,
    artists: album.artists.map((a) => ({ id: a.id, name: a.name })),
    releaseDate: album.releaseDate,
    releaseDatePrecision: album.releaseDatePrecision,
    type: album.type,
    totalTracks: album.totalTracks,
    imageUrl: imageOf(album),
    spotifyUrl: album.spotifyUrl,
    position,
    musicbrainz: presentMatch(match),
  };
}

export function presentListed(album: ListedAlbum, match: StoredMatch | undefined): TrendingAlbum {
  return presentAlbum(album, album.position, match);
}

export function presentPopular(album: RankedAlbum, match: StoredMatch | undefined): PopularAlbum {
  return {
    ...presentAlbum(album, null, match),
    points: album.points,
    appearances: album.appearances,
    bestPosition: album.bestPosition,
  };
}

export function presentArtist(artist: RankedArtist): TrendingArtist {
  return { ...artist };
}

export function summarizeAlbum(album: Album, match: StoredMatch | undefined): AlbumSummary {
  return {
    id: album.id,
    name: album.name,
    artists: album.artists.map((a) => ({ id: a.id, name: a.name })),
    imageUrl: imageOf(album),
    musicbrainz: presentMatch(match),
  };
}

/** A summary for an album id whose details were never stored (history rows outlive nothing, but stay safe). */
export function unknownAlbum(id: string): AlbumSummary {
  return { id, name: id, artists: [], imageUrl: null, musicbrainz: null };
}

export function presentSource(name: string, state: StoredSourceState | undefined): TrendingSource {
  return {
    name,
    status: state?.status ?? 'unknown',
    lastSuccessAt: state?.lastSuccessAt ?? null,
    lastAttemptAt: state?.lastAttemptAt ?? null,
    lastError: state?.lastError ?? null,
    lastErrorCode: state?.lastErrorCode ?? null,
  };
}
