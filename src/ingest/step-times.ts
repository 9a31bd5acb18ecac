/**
 * Wall time of each step of a build, so a benchmark (and an operator reading a summary) can see
 * where a re-index spends its time: reading files, segmenting, embedding, the keyword index, the
 * graph, writing. Steps run one after another; starting one ends the one before.
 */
export type BuildStep = "reading" | "previous" | "chunking" | "fitting" | "embedding" | "keywords" | "graph" | "files" | "checksums" | "publishing";

export class StepTimes {
  /** Milliseconds spent in each step so far. */
  readonly milliseconds: Partial<Record<BuildStep, number>> = {};
  private current: { step: BuildStep; started: number } | undefined;

  start(step: BuildStep): void {
    this.stop();
    this.current = { step, started: performance.now() };
  }

  stop(): void {
    if (!this.current) return;
    const { step, started } = this.current;
    this.milliseconds[step] = (this.milliseconds[step] ?? 0) + performance.now() - started;
    this.current = undefined;
  }
}
