// How many transactions the mempool admitted recently: counts per second in a ring of the last
// `windowS` seconds, in memory (the operator's dashboard shows the intake rate; a restart starts
// from zero). O(1) per admission and per read of a window of up to 60 s.

export class IntakeCounter {
  private readonly counts: number[];
  /** The second (epoch s) each slot of the ring counts. */
  private readonly seconds: number[];

  constructor(readonly windowS = 60) {
    this.counts = new Array<number>(windowS).fill(0);
    this.seconds = new Array<number>(windowS).fill(-1);
  }

  /** Counts `n` admissions at `now` (ms). */
  add(n: number, now = Date.now()): void {
    if (n <= 0) return;
    const s = Math.floor(now / 1000);
    const k = s % this.windowS;
    if (this.seconds[k] !== s) {
      this.seconds[k] = s;
      this.counts[k] = 0;
    }
    this.counts[k] += n;
  }

  /** Admissions in the last `windowS` seconds before `now` (ms), the current second included. */
  count(now = Date.now()): number {
    const s = Math.floor(now / 1000);
    let n = 0;
    for (let k = 0; k < this.windowS; k++) if (this.seconds[k] > s - this.windowS && this.seconds[k] <= s) n += this.counts[k];
    return n;
  }
}
