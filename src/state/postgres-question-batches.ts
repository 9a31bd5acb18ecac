/**
 * Group commit for the question log on PostgreSQL: records that arrive while one batch is being
 * written go to the database together, in one multi-row statement, as soon as that write ends.
 *
 * Why this shape, and not a write-behind queue: each record's promise settles only when its batch
 * is committed, so an answer (and its answerId) is handed out only once its question is in the
 * database. A vote that arrives right after the answer, on any replica, finds it; a replica killed
 * the moment after answering has lost nothing it acknowledged; shutdown has nothing in memory to
 * flush but the batch in flight. What the batch buys is cost, not a promise given early: under load
 * one statement (and one lock on the day's totals row) serves many answers.
 *
 * No timer: a lone record is written at once (a window would add its length to every answer on a
 * quiet bot), and under load the write in flight is the window.
 */
import type { QuestionRecord } from "./state-store.js";

interface Waiting {
  record: QuestionRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface QuestionBatchesOptions {
  /** Writes the records in one statement; rejects when none of them was written. */
  write(records: QuestionRecord[]): Promise<void>;
  /** Most records in one statement (the next ones form the next batch). */
  maxBatch: number;
  /**
   * Whether a failed batch of several is tried again one record at a time: for a refusal of one
   * record's content, so the others are not refused with it; not when the database went away.
   */
  retryAlone(error: unknown): boolean;
}

export class QuestionBatches {
  private waiting: Waiting[] = [];
  private writing: Promise<void> | undefined;
  /** Settles with the last record added: batches are written in order, so every earlier one has settled by then. */
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly options: QuestionBatchesOptions) {
    if (!(Number.isInteger(options.maxBatch) && options.maxBatch > 0)) throw new RangeError("maxBatch must be a positive integer");
  }

  /** Resolves once `record` is committed; rejects with the write's error. */
  add(record: QuestionRecord): Promise<void> {
    const written = new Promise<void>((resolve, reject) => {
      this.waiting.push({ record, resolve, reject });
      this.writing ??= this.writeAll();
    });
    this.last = written.then(
      () => undefined,
      () => undefined,
    );
    return written;
  }

  /**
   * Resolves once every record added so far has been written or refused. Records added later are
   * not waited for, so a vote or a listing under steady load waits a batch or two, never for a lull.
   */
  settled(): Promise<void> {
    return this.last;
  }

  /** Resolves once nothing is waiting or being written, records added meanwhile included (for closing). */
  async drained(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async writeAll(): Promise<void> {
    // Records added in the same turn of the event loop as the first go with it.
    await Promise.resolve();
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.options.maxBatch);
        await this.writeBatch(batch);
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async writeBatch(batch: Waiting[]): Promise<void> {
    try {
      await this.options.write(batch.map((waiting) => waiting.record));
      for (const waiting of batch) waiting.resolve();
      return;
    } catch (error) {
      if (batch.length === 1 || !this.options.retryAlone(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
    }
    for (const waiting of batch) await this.writeBatch([waiting]);
  }
}
