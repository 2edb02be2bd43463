/**
 * Which song represents an album in the list (the `featured` flag; one per album, enforced by a partial unique
 * index).
 *
 * The rule: an album's featured song is sticky — once featured it keeps the spot for as long as it exists, whatever
 * later runs see — and when the album has no featured song, the earliest-detected candidate wins, ties (songs first
 * seen in the same run) broken by upstream position, then by the lowest external id.
 *
 * Why it cannot flap: the only inputs are facts that never change once written (when a song was first seen, where
 * it first appeared, its id). Play counts, release dates and artwork are deliberately ignored because they move
 * between runs; a rule that read them would move the flag with them.
 */

export interface FeaturedCandidate {
  externalId: string;
  /** When the song was first stored (`songs.added_at`); never changes afterwards. */
  firstSeenAt: Date;
  /**
   * Where the song first appeared upstream, lower = earlier (e.g. its row id, assigned in page order, or
   * `page * size + index`). Missing positions sort after present ones.
   */
  position?: number | null;
}

/**
 * Total order of the rule: earlier `firstSeenAt` first, then lower `position`, then lower `externalId` (compared by
 * code unit, not locale, so every process orders alike). Usable with `Array.prototype.sort`.
 */
export function compareFeaturedCandidates(a: FeaturedCandidate, b: FeaturedCandidate): number {
  const seen = a.firstSeenAt.getTime() - b.firstSeenAt.getTime();
  if (seen !== 0) return seen;
  const pa = a.position ?? Number.POSITIVE_INFINITY;
  const pb = b.position ?? Number.POSITIVE_INFINITY;
  if (pa !== pb) return pa < pb ? -1 : 1;
  if (a.externalId === b.externalId) return 0;
  return a.externalId < b.externalId ? -1 : 1;
}

/**
 * The external id of the candidate an album without a featured song should feature (the minimum under
 * {@link compareFeaturedCandidates}), or null when there are no candidates. Independent of input order.
 */
export function chooseFeatured(candidates: readonly FeaturedCandidate[]): string | null {
  let best: FeaturedCandidate | undefined;
  for (const candidate of candidates) {
    if (best === undefined || compareFeaturedCandidates(candidate, best) < 0) best = candidate;
  }
  return best?.externalId ?? null;
}

export interface FeaturedDecision {
  /** The album's featured song after this decision; null only when there is neither a current one nor candidates. */
  featured: string | null;
  /** True when `featured` is newly featured (an album's first, or a replacement for a song that no longer exists). */
  changed: boolean;
}

/**
 * Sticky decision for one album. `current` is the external id of its featured song if it has one that still
 * exists; it always stays featured, whatever the `candidates` (new songs of this page). With no current song, the
 * rule picks among `candidates`; pass every known song of the album then, not only this page's, so the choice does
 * not depend on which page a run happened to read first.
 */
export function decideFeatured(current: string | null, candidates: readonly FeaturedCandidate[]): FeaturedDecision {
  if (current !== null) return { featured: current, changed: false };
  const featured = chooseFeatured(candidates);
  return { featured, changed: featured !== null };
}

/**
 * {@link decideFeatured} over a page's songs of many albums: `current` maps album keys to their featured song's
 * external id. Returns only the albums whose featured song is new (album key → external id).
 */
export function planFeatured(
  current: ReadonlyMap<string, string>,
  candidates: readonly (FeaturedCandidate & { albumKey: string })[],
): Map<string, string> {
  const byAlbum = new Map<string, FeaturedCandidate[]>();
  for (const candidate of candidates) {
    if (current.has(candidate.albumKey)) continue;
    const list = byAlbum.get(candidate.albumKey);
    if (list) list.push(candidate);
    else byAlbum.set(candidate.albumKey, [candidate]);
  }
  const changes = new Map<string, string>();
  for (const [key, list] of byAlbum) {
    const { featured } = decideFeatured(null, list);
    if (featured !== null) changes.set(key, featured);
  }
  return changes;
}
