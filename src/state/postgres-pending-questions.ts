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

  peek(): QuestionRecord | undefined {
    return this.records[0];
  }

  /** Removes the oldest record once it has been written (or refused for good). */
  shift(): void {
    this.records.shift();
  }

  /** How many were dropped since the last call, resetting the count. */
  takeDroppedCount(): number {
    const dropped = this.droppedSinceReport;
    this.droppedSinceReport = 0;
    return dropped;
  }
}
