/** Small deterministic randomness, so a seed makes ids and shutdown spreads repeatable. */

export function hashString(text: string): number {
  let hash = 2166136261;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 16777619);
  }
  return hash >>> 0;
}

/** mulberry32: a fast 32-bit generator, good enough for ids and jitter. */
export function seededRandom(seed: string): () => number {
  let state = hashString(seed);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomHex(random: () => number, length: number): string {
  let hex = '';
  for (let index = 0; index < length; index++) hex += Math.floor(random() * 16).toString(16);
  return hex;
}

/** A value in [-1, 1] that depends only on the seed and the key (not on the order of calls). */
export function unitSpread(seed: string, key: string): number {
  return seededRandom(`${seed}/${key}`)() * 2 - 1;
}
