// Membership of dense customer ids as a bitset: counts and boolean combinations over a million customers are a few
// thousand word operations.
export class Bitset {
  readonly words: Uint32Array;

  constructor(readonly size: number, words?: Uint32Array) {
    this.words = words ?? new Uint32Array((size + 31) >>> 5);
  }

  static from(size: number, ids: Iterable<number>): Bitset {
    const b = new Bitset(size);
    for (const id of ids) b.add(id);
    return b;
  }

  has(i: number): boolean {
    return i < this.size && (this.words[i >>> 5] & (1 << (i & 31))) !== 0;
  }
  add(i: number) {
    this.words[i >>> 5] |= 1 << (i & 31);
  }
  delete(i: number) {
    this.words[i >>> 5] &= ~(1 << (i & 31));
  }

  and(o: Bitset): Bitset {
    const out = new Uint32Array(this.words.length);
    for (let i = 0; i < out.length; i++) out[i] = this.words[i] & (o.words[i] ?? 0);
    return new Bitset(this.size, out);
  }
  or(o: Bitset): Bitset {
    const out = new Uint32Array(this.words.length);
    for (let i = 0; i < out.length; i++) out[i] = this.words[i] | (o.words[i] ?? 0);
    return new Bitset(this.size, out);
  }
  /** this AND NOT o */
  andNot(o: Bitset): Bitset {
    const out = new Uint32Array(this.words.length);
    for (let i = 0; i < out.length; i++) out[i] = this.words[i] & ~(o.words[i] ?? 0);
    return new Bitset(this.size, out);
  }

  count(): number {
    let n = 0;
    for (let i = 0; i < this.words.length; i++) {
      let v = this.words[i];
      v = v - ((v >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      n += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return n;
  }

  *ids(): Generator<number> {
    for (let w = 0; w < this.words.length; w++) {
      let v = this.words[w];
      while (v !== 0) {
        const bit = 31 - Math.clz32(v & -v);
        yield (w << 5) + bit;
        v &= v - 1;
      }
    }
  }

  /** A copy sized for at least n ids (customers are added over time). */
  grown(n: number): Bitset {
    if (n <= this.size) return this;
    const b = new Bitset(n);
    b.words.set(this.words);
    return b;
  }
}
