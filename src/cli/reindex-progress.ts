/**
 * Re-index progress: on a terminal one bar that names the phase and step and counts what the step
 * has done (files read, chunks segmented and embedded, then the writing steps); plain lines
 * otherwise (one per step, and the embedding every tenth); nothing with --json.
 */
import cliProgress from "cli-progress";
import type { ReindexProgress } from "../core/types.js";

export function createProgressReporter(
  enabled: boolean,
  stream: NodeJS.WriteStream = process.stderr,
): { onProgress: (progress: ReindexProgress) => void; stop: () => void } {
  if (!enabled) return { onProgress: () => undefined, stop: () => undefined };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: "{phase} {step} [{bar}] {value}/{total}", hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      onProgress: ({ phase, step, done, total }) => {
        const payload = { phase, step: step ?? "" };
        if (!started) {
          bar.start(total, done, payload);
          started = true;
          return;
        }
        bar.setTotal(total);
        bar.update(done, payload);
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let lastStep = "";
  let lastReported = 0;
  return {
    onProgress: ({ phase, step, done, total }) => {
      const name = step && step !== phase ? `${phase} ${step}` : phase;
      const tenth = total > 0 ? Math.floor((done / total) * 10) : 10;
      if (name !== lastStep || (phase === "embedding" && tenth > lastReported)) {
        stream.write(`${name}${phase === "embedding" ? ` ${done}/${total}` : ""}\n`);
        lastStep = name;
        lastReported = tenth;
      }
    },
    stop: () => undefined,
  };
}
