/**
 * Question-log records the database could not take yet. The question was answered and its answerId
 * handed out, so the record is kept here, oldest first, and written once the database is back.
 * Bounded: past `capacity` the oldest record goes, and the count of those dropped is reported when
 * the buffer is next written, so a loss is never silent.
 */
import type { QuestionRecord } from "./state-store.js";

export class PendingQuestions {
  private readonly records: QuestionRecord[] = [];
  private droppedSinceReport = 0;

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError("capacity must be a positive integer");
  }

  get size(): number {
    return this.records.length;
  }

  /** Keeps `record`; returns true when that pushed the oldest one out. */
  add(record: QuestionRecord): boolean {
    this.records.push(record);
    if (this.records.length <= this.capacity) return false;
    this.records.shift();
    this.droppedSinceReport++;
    return true;
  }

  /** The oldest `count` records, oldest first. */
  peekOldest(count: number): QuestionRecord[] {
    return this.records.slice(0, count);
  }

  /**
   * Removes `done` (written, or refused for good) from the front. Only those still there go: a
   * record the full buffer pushed out while it was being written is not counted twice, and a
   * newer one is never removed in its place.
   */
  removeOldest(done: readonly QuestionRecord[]): void {
    const gone = new Set(done);
    let front = 0;
    while (front < this.records.length && gone.has(this.records[front]!)) front++;
    this.records.splice(0, front);
  }

  /** How many were dropped since the last call, resetting the count. */
  takeDroppedCount(): number {
    const dropped = this.droppedSinceReport;
    this.droppedSinceReport = 0;
    return dropped;
  }
}
