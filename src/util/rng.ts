import seedrandom from 'seedrandom';

/**
 * The project's only source of randomness. Alea from `seedrandom` because its whole state can be
 * exported and restored, which is what an exactly resumable checkpoint needs.
 */
export type RngState = object;

export class Rng {
  private readonly prng: seedrandom.StatefulPRNG<seedrandom.State.Alea>;

  constructor(seed: number | string, state?: RngState) {
    this.prng = seedrandom.alea(String(seed), { state: (state as seedrandom.State.Alea) ?? true });
  }

  static fromState(state: RngState): Rng {
    return new Rng('restored', state);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.prng();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.prng());
  }

  /** A fresh 31-bit seed, for handing to tfjs ops that take a seed (e.g. initialisers). */
  seed(): number {
    return Math.floor(this.prng() * 0x7fffffff);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(a: T[] | Int32Array | Uint32Array | Float32Array): typeof a {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t as never;
    }
    return a;
  }

  /** A permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    this.shuffle(p);
    return p;
  }

  state(): RngState {
    return this.prng.state();
  }
}
