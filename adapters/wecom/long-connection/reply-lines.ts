/**
 * One line per req_id: work queued under a req_id starts only when the work before it under the
 * same req_id has settled, while different req_ids run side by side. The long connection sends each
 * frame of a reply in its line, so a frame leaves only after the previous frame's ack.
 */
export interface ReplyLines {
  /** Runs `work` after everything queued before under `key`; settles with its result. */
  run<Result>(key: string, work: () => Promise<Result>): Promise<Result>;
}

export function createReplyLines(): ReplyLines {
  const tails = new Map<string, Promise<void>>();
  return {
    run(key, work) {
      const result = (tails.get(key) ?? Promise.resolve()).then(work);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      // The map holds only req_ids with work queued; a finished line is forgotten.
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
  };
}
