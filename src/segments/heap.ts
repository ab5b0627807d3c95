// A binary min-heap of (time, customer) pairs: the scheduler's queue of "this customer's rule flips at t".
export class TimeHeap {
  private t: number[] = [];
  private id: number[] = [];

  get size() {
    return this.t.length;
  }
  peek(): number | undefined {
    return this.t[0];
  }
  push(time: number, id: number) {
    this.t.push(time);
    this.id.push(id);
    let i = this.t.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.t[p] <= this.t[i]) break;
      this.swap(i, p);
      i = p;
    }
  }
  /** Removes and returns every id due at or before `now`. */
  popDue(now: number): number[] {
    const out: number[] = [];
    while (this.t.length && this.t[0] <= now) {
      out.push(this.id[0]);
      const lastT = this.t.pop()!;
      const lastId = this.id.pop()!;
      if (this.t.length === 0) break;
      this.t[0] = lastT;
      this.id[0] = lastId;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.t.length && this.t[l] < this.t[m]) m = l;
        if (r < this.t.length && this.t[r] < this.t[m]) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return out;
  }
  clear() {
    this.t = [];
    this.id = [];
  }
  private swap(a: number, b: number) {
    [this.t[a], this.t[b]] = [this.t[b], this.t[a]];
    [this.id[a], this.id[b]] = [this.id[b], this.id[a]];
  }
}
