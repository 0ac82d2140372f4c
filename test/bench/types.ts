/** One measured figure of `npm run bench`. */
export interface BenchResult {
  metric: string;
  value: number;
  unit: string;
  /** A goal to compare with: the ratio column shows how far the figure is from it (≥ 1 meets it). */
  target?: { value: number; better: 'higher' | 'lower' };
}

/** A bench section: one module under test/bench/, run in order by run.ts. */
export interface BenchSection {
  title: string;
  run(): Promise<BenchResult[]>;
}
