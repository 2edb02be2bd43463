/**
 * Text similarity shared by the matchers (Trending's MusicBrainz choice, Matches' upload scoring): pure, on strings
 * already normalised and split into words.
 */

/**
 * Character bigrams within each token (code points, so astral characters count once); a one-character token counts
 * as itself.
 */
function bigramsOf(tokens: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of tokens) {
    const chars = Array.from(token);
    if (chars.length === 1) counts.set(token, (counts.get(token) ?? 0) + 1);
    for (let i = 0; i + 1 < chars.length; i++) {
      const gram = `${chars[i]}${chars[i + 1]}`;
      counts.set(gram, (counts.get(gram) ?? 0) + 1);
    }
  }
  return counts;
}

function multisetDice(a: Map<string, number>, b: Map<string, number>): number {
  let sizeA = 0;
  let sizeB = 0;
  let common = 0;
  for (const n of a.values()) sizeA += n;
  for (const [gram, n] of b) {
    sizeB += n;
    common += Math.min(n, a.get(gram) ?? 0);
  }
  return sizeA + sizeB === 0 ? 0 : (2 * common) / (sizeA + sizeB);
}

function setDice(a: readonly string[], b: readonly string[]): number {
  const setA = new Set(a);
  const setB = new Set(b);
  let common = 0;
  for (const t of setA) if (setB.has(t)) common += 1;
  return (2 * common) / (setA.size + setB.size);
}

/**
 * Similarity of two non-empty word lists, 0..1. When both have two or more words it is the mean of the word-set Dice
 * coefficient (the same words in any order) and the character-bigram Dice coefficient (spelling variants); when
 * either is a single word, and so for scripts written without spaces, the bigram Dice alone, which still grades
 * partial overlap.
 */
export function wordDice(a: readonly string[], b: readonly string[]): number {
  const grams = multisetDice(bigramsOf(a), bigramsOf(b));
  if (a.length < 2 || b.length < 2) return grams;
  return (setDice(a, b) + grams) / 2;
}
