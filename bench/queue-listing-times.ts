/**
 * How long the admin queue takes to list on a filled state store: every filter over 90, 30 and 7
 * days, five runs each, the median kept. Shared by the SQLite and PostgreSQL queue benchmarks so
 * both measure the same calls the same way.
 */
import type { QuestionFilter, StateStore } from "../src/state/state-store.js";

const FILTERS: QuestionFilter[] = ["unanswered", "downvoted", "all"];
const WINDOWS_IN_DAYS = [90, 30, 7];
const RUNS = 5;

/** The median listing time in ms of each filter and window, under the key `keyOf(filter, days)`. */
export async function medianListingTimes(
  store: Pick<StateStore, "listQuestions">,
  now: number,
  keyOf: (filter: QuestionFilter, days: number) => string,
): Promise<Record<string, number>> {
  const timings: Record<string, number> = {};
  for (const filter of FILTERS) {
    for (const days of WINDOWS_IN_DAYS) {
      const runs: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const started = performance.now();
        // The default limit (100), as the console lists.
        await store.listQuestions({ filter, days, now });
        runs.push(performance.now() - started);
      }
      timings[keyOf(filter, days)] = +runs.sort((left, right) => left - right)[Math.floor(RUNS / 2)]!.toFixed(1);
    }
  }
  return timings;
}
