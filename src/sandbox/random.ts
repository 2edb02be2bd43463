/**
 * Deterministic randomness for the sandbox. Everything the sandbox generates comes from a seeded stream, never from
 * `Math.random`, so one seed always yields the same catalog, ids and corrections.
 */

/**
 * mulberry32: a 32-bit seeded PRNG (public domain, Tommy Ettinger). Returns a function yielding floats in [0, 1).
 * Good enough statistically for fake data, and tiny.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a 32-bit hash of a string: stable across runs and platforms. Used to derive sub-seeds and ids. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A seeded random stream with the helpers generators need. Same seed → same sequence of answers. */
export class Rng {
  readonly #next: () => number;

  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }

  /** A float in [0, 1). */
  float(): number {
    return this.#next();
  }

  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }

  /** True with probability `p` (0 → never, 1 → always). */
  chance(p: number): boolean {
    return this.#next() < p;
  }

  /** One element of a non-empty array. Throws on an empty array (a generator bug, not an input error). */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick on an empty array');
    return items[Math.floor(this.#next() * items.length)] as T;
  }

  /** `count` distinct elements (fewer if the array is shorter), in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    const out: T[] = [];
    while (out.length < count && pool.length > 0) {
      const index = Math.floor(this.#next() * pool.length);
      out.push(pool.splice(index, 1)[0] as T);
    }
    return out;
  }

  /** A string of `length` characters drawn from `alphabet`. */
  chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.#next() * alphabet.length)];
    return out;
  }
}

/**
 * A deterministic token derived from a seed and a label (no stream state consumed), e.g. an upstream-style id for
 * catalog entity #42. Different labels give unrelated tokens.
 */
export function derivedToken(seed: number, label: string, alphabet: string, length: number): string {
  return new Rng(hash32(`${seed}:${label}`)).chars(alphabet, length);
}
