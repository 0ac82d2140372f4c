/** One measured figure of `npm run bench`. */
export interface BenchResult {
  metric: string;
  value: number;
  unit: string;
  /**
   * A goal to compare with: the ratio column shows how far the figure is from it (≥ 1 meets it). A missed
   * target fails `npm run bench` unless it is `informative` (a guide we set ourselves, not an issue's target).
   */
  target?: { value: number; better: 'higher' | 'lower'; informative?: boolean };
}

/** A bench section: one module under test/bench/, run in order by run.ts. */
export interface BenchSection {
  title: string;
  run(): Promise<BenchResult[]>;
}
