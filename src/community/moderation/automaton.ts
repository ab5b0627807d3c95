// An Aho–Corasick automaton over integer symbols (folded UTF-16 units or pinyin letters), compiled once into flat typed
// arrays and then only read. The word lists are compiled when they change and the new automaton swapped in, so a
// message is matched in one pass whatever the list size (the 64 K public words: 211 K states, 5.6 MB).
//
// Layout: the root's transitions are a dense table indexed by symbol (most steps restart at the root, so that lookup
// must be one array read); every other state keeps its outgoing edges as a sorted run in one flat label/target array,
// found by binary search (nearly all have one or two). We wrote our own rather than use modern-ahocorasick because that
// library segments every text into grapheme clusters with Intl.Segmenter and keys its alphabet by string: on COLD_dev
// comments with the 64 K-word list it searched ~25,000 messages per CPU-second, where folding plus this automaton
// does ~200,000 — the headroom the 20,000 messages/s goal needs once the other detectors run too.

/** Occurrences found by `scan`: entry (pattern index) and the index of the symbol where it ends, in arrival order. */
export class MatchBuffer {
  entries = new Int32Array(64);
  ends = new Int32Array(64);
  count = 0;

  push(entry: number, end: number) {
    if (this.count === this.entries.length) {
      const entries = new Int32Array(this.count * 2);
      const ends = new Int32Array(this.count * 2);
      entries.set(this.entries);
      ends.set(this.ends);
      this.entries = entries;
      this.ends = ends;
    }
    this.entries[this.count] = entry;
    this.ends[this.count] = end;
    this.count++;
  }
}

const ROOT_SPAN = 0x10000;
const SYMBOL_BITS = 0x200000; // symbols are < 2^21 (Unicode code points)

export class Automaton {
  private constructor(
    private readonly root: Int32Array,
    private readonly rootAstral: Map<number, number>,
    private readonly edgeStart: Int32Array,
    private readonly labels: Uint32Array,
    private readonly targets: Int32Array,
    private readonly fail: Int32Array,
    private readonly dict: Int32Array,
    private readonly terminal: Int32Array,
    /** Length in symbols of each pattern, to turn an end index into a start. */
    readonly lengths: Int32Array,
  ) {}

  get states() {
    return this.fail.length;
  }

  get bytes() {
    return this.root.byteLength + this.edgeStart.byteLength + this.labels.byteLength + this.targets.byteLength + this.fail.byteLength + this.dict.byteLength + this.terminal.byteLength + this.lengths.byteLength;
  }

  /**
   * Compiles patterns (each a sequence of symbols). Pattern i is reported as entry i; empty patterns are ignored and a
   * pattern equal to an earlier one is reported under the earlier index (callers merge duplicates beforehand).
   */
  static build(patterns: ArrayLike<number>[]): Automaton {
    const trie = new Map<number, number>();
    const terminalList: number[] = [-1];
    const lengths = new Int32Array(patterns.length);
    for (let e = 0; e < patterns.length; e++) {
      const p = patterns[e];
      lengths[e] = p.length;
      if (p.length === 0) continue;
      let node = 0;
      for (let i = 0; i < p.length; i++) {
        const key = node * SYMBOL_BITS + p[i];
        let next = trie.get(key);
        if (next === undefined) {
          next = terminalList.length;
          terminalList.push(-1);
          trie.set(key, next);
        }
        node = next;
      }
      if (terminalList[node] < 0) terminalList[node] = e;
    }
    const n = terminalList.length;
    // Edges sorted by (parent, label): each state's edges form one run, labels ascending for binary search.
    const keys = Float64Array.from(trie.keys()).sort();
    const edgeStart = new Int32Array(n + 1);
    const labels = new Uint32Array(keys.length);
    const targets = new Int32Array(keys.length);
    const root = new Int32Array(ROOT_SPAN);
    const rootAstral = new Map<number, number>();
    for (let i = 0; i < keys.length; i++) {
      const parent = Math.floor(keys[i] / SYMBOL_BITS);
      const label = keys[i] - parent * SYMBOL_BITS;
      labels[i] = label;
      targets[i] = trie.get(keys[i])!;
      edgeStart[parent + 1]++;
      if (parent === 0) {
        if (label < ROOT_SPAN) root[label] = targets[i];
        else rootAstral.set(label, targets[i]);
      }
    }
    for (let s = 0; s < n; s++) edgeStart[s + 1] += edgeStart[s];
    const fail = new Int32Array(n);
    const dict = new Int32Array(n);
    const terminal = Int32Array.from(terminalList);
    const automaton = new Automaton(root, rootAstral, edgeStart, labels, targets, fail, dict, terminal, lengths);
    // Breadth first, so a state's failure target (always shallower) is final before the state is reached.
    const queue = new Int32Array(n);
    let head = 0;
    let tail = 0;
    for (let i = edgeStart[0]; i < edgeStart[1]; i++) queue[tail++] = targets[i];
    while (head < tail) {
      const u = queue[head++];
      for (let i = edgeStart[u]; i < edgeStart[u + 1]; i++) {
        const v = targets[i];
        const a = labels[i];
        let f = fail[u];
        let t = automaton.step(f, a);
        while (t === 0 && f !== 0) {
          f = fail[f];
          t = automaton.step(f, a);
        }
        fail[v] = t === v ? 0 : t;
        dict[v] = terminal[fail[v]] >= 0 ? fail[v] : dict[fail[v]];
        queue[tail++] = v;
      }
    }
    return automaton;
  }

  /** The state reached from `state` by `symbol` through a trie edge only, or 0 (the root) when there is none. */
  private step(state: number, symbol: number): number {
    if (state === 0) return symbol < ROOT_SPAN ? this.root[symbol] : (this.rootAstral.get(symbol) ?? 0);
    let lo = this.edgeStart[state];
    let hi = this.edgeStart[state + 1] - 1;
    const labels = this.labels;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const l = labels[mid];
      if (l === symbol) return this.targets[mid];
      if (l < symbol) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** Every occurrence (overlapping ones included) of every pattern in symbols[0, length), appended to `out`. */
  scan(symbols: Uint32Array, length: number, out: MatchBuffer): void {
    const { fail, dict, terminal, root, edgeStart, labels, targets } = this;
    let s = 0;
    for (let i = 0; i < length; i++) {
      const c = symbols[i];
      // step() written out: this loop is the hot path of moderation.
      for (;;) {
        if (s === 0) {
          s = c < ROOT_SPAN ? root[c] : (this.rootAstral.get(c) ?? 0);
          break;
        }
        let lo = edgeStart[s];
        let hi = edgeStart[s + 1] - 1;
        let t = 0;
        while (lo <= hi) {
          const mid = (lo + hi) >>> 1;
          const l = labels[mid];
          if (l === c) {
            t = targets[mid];
            break;
          }
          if (l < c) lo = mid + 1;
          else hi = mid - 1;
        }
        if (t !== 0) {
          s = t;
          break;
        }
        s = fail[s];
      }
      if (s === 0) continue;
      let o = terminal[s] >= 0 ? s : dict[s];
      while (o !== 0) {
        out.push(terminal[o], i);
        o = dict[o];
      }
    }
  }
}
