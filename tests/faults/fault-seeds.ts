/**
 * Seeds of the fault suite: `npm test` runs each case once (seed 1), `npm run test:faults`
 * (`FAULT_SEEDS=20`) twenty times with seeds 1…20. A seed varies timing, order and which
 * messages a case sends; a failure names its seed, so it can be replayed with `FAULT_SEED=N`.
 */
const count = Number(process.env.FAULT_SEEDS ?? 1);
const only = process.env.FAULT_SEED === undefined ? undefined : Number(process.env.FAULT_SEED);

export const seeds: number[] = seedsAtLeast(1);

/** Seeds for a case that runs at least `minimum` of them in `npm test` (FAULT_SEEDS raises it, FAULT_SEED picks one). */
export function seedsAtLeast(minimum: number): number[] {
  if (only !== undefined) return [only];
  const wanted = process.env.FAULT_SEEDS === undefined ? minimum : Math.max(1, count);
  return Array.from({ length: wanted }, (_, index) => index + 1);
}

/** A small deterministic generator (mulberry32) with the helpers the cases need. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = (seed * 0x9e3779b9) >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A copy in a seeded order. */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let index = copy.length - 1; index > 0; index--) {
      const other = this.int(0, index);
      [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
    }
    return copy;
  }
}
