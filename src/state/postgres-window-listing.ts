/**
 * The admin queue for a window shorter than everything kept, without adding up every
 * per-question-and-day row of the window (708,000 of them with a million logged questions, about
 * 300 ms). Questions are taken in order of their all-time count, a batch at a time, and only their
 * days are added up. No question's count inside the window can exceed its all-time count, so once
 * the queue is full and its last entry's window count is above the all-time count of every
 * question not yet read, nothing unread can enter it. Asks spread evenly over many questions never
 * get there: after a few batches the whole window is added up the old way.
 *
 * Every batch reads one snapshot (a REPEATABLE READ transaction), so the answer is the one the
 * single query would give.
 */
import { NOT_DISMISSED, type GroupRow } from "./question-rows.js";
import type { QuestionFilter } from "./state-store.js";

/** A question group row as PostgreSQL returns it (a real boolean for the latest ask's outcome). */
export type WindowGroupRow = Omit<GroupRow, "last_no_answer"> & { last_no_answer: boolean };

/** Runs one statement in the listing's transaction. */
export type RunQuery = <Row>(text: string, values: unknown[]) => Promise<Row[]>;

const candidateFilters: Record<QuestionFilter, string> = {
  all: "TRUE",
  unanswered: `g.last_no_answer AND ${NOT_DISMISSED}`,
  downvoted: `g.downvotes > 0 AND ${NOT_DISMISSED}`,
};

function candidates(filter: QuestionFilter): string {
  return `SELECT group_key, text, asked, last_no_answer, top_source, missing_subject FROM question_groups g
    WHERE ${candidateFilters[filter]} AND last_asked_at >= $1
    ORDER BY asked DESC, last_asked_at DESC, group_key LIMIT $2 OFFSET $3`;
}

const WINDOW_TOTALS = `SELECT group_key, sum(asked) AS asked, sum(unanswered) AS unanswered, sum(upvotes) AS upvotes, sum(downvotes) AS downvotes,
    max(last_asked_at) AS last_asked_at, bit_or(platforms) AS platforms
  FROM question_group_days WHERE group_key = ANY($1::text[]) AND day >= $2 GROUP BY group_key`;

function ranked(left: WindowGroupRow, right: WindowGroupRow): number {
  return right.asked - left.asked || right.last_asked_at - left.last_asked_at || (left.group_key < right.group_key ? -1 : 1);
}

export interface WindowListing {
  filter: QuestionFilter;
  firstDay: number;
  dayMs: number;
  limit: number;
  batchSize: number;
  /** Batches read before the whole window is added up instead. */
  maxBatches: number;
  /** The single query over the whole window, the fallback. */
  wholeWindow: () => Promise<WindowGroupRow[]>;
}

export async function listGroupsInWindow(run: RunQuery, listing: WindowListing): Promise<WindowGroupRow[]> {
  const { filter, firstDay, limit, batchSize } = listing;
  const found: WindowGroupRow[] = [];
  for (let batch = 0; batch < listing.maxBatches; batch++) {
    const groups = await run<Pick<WindowGroupRow, "group_key" | "text" | "asked" | "last_no_answer" | "top_source" | "missing_subject">>(candidates(filter), [
      firstDay * listing.dayMs,
      batchSize,
      batch * batchSize,
    ]);
    if (groups.length > 0) {
      const totals = await run<Omit<WindowGroupRow, "text" | "last_no_answer" | "top_source" | "missing_subject">>(WINDOW_TOTALS, [
        groups.map((group) => group.group_key),
        firstDay,
      ]);
      const byKey = new Map(totals.map((row) => [row.group_key, row]));
      for (const group of groups) {
        const window = byKey.get(group.group_key);
        if (!window || window.asked <= 0) continue;
        if (filter === "downvoted" && !(window.downvotes > 0)) continue;
        found.push({ ...window, text: group.text, last_no_answer: group.last_no_answer, top_source: group.top_source, missing_subject: group.missing_subject });
      }
      found.sort(ranked);
      found.length = Math.min(found.length, limit);
    }
    if (groups.length < batchSize) return found;
    // Every unread question has been asked at most this often in all, so at most this often in the window.
    const unreadAtMost = groups[groups.length - 1]!.asked;
    if (found.length === limit && found[limit - 1]!.asked > unreadAtMost) return found;
  }
  return listing.wholeWindow();
}
