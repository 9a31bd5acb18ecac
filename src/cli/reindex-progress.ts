/** Re-index progress: a bar on a terminal, plain lines otherwise, nothing with --json. */
import cliProgress from "cli-progress";
import type { ReindexProgress } from "../ingest/build-index.js";

export function createProgressReporter(
  enabled: boolean,
  stream: NodeJS.WriteStream = process.stderr,
): { onProgress: (progress: ReindexProgress) => void; stop: () => void } {
  if (!enabled) return { onProgress: () => undefined, stop: () => undefined };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: "{phase} [{bar}] {value}/{total}", hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      onProgress: ({ phase, done, total }) => {
        if (phase !== "embedding") return;
        if (!started) {
          bar.start(total, done, { phase: "embedding" });
          started = true;
        } else bar.update(done);
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let lastPhase = "";
  let lastReported = 0;
  return {
    onProgress: ({ phase, done, total }) => {
      const tenth = total > 0 ? Math.floor((done / total) * 10) : 10;
      if (phase !== lastPhase || (phase === "embedding" && tenth > lastReported)) {
        stream.write(`${phase}${phase === "embedding" ? ` ${done}/${total}` : ""}\n`);
        lastPhase = phase;
        lastReported = tenth;
      }
    },
    stop: () => undefined,
  };
}
