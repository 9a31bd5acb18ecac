/**
 * JSON text of a large response, made and sent a slice at a time. A re-index summary of a
 * million-row table lists a million source ids: JSON.stringify of it held the server's thread for a
 * second or more, and writing the 20 MB string as one response body held it again for a few hundred
 * milliseconds. Here each long array is written in slices with a turn of the event loop between
 * them, and the response streams the slices as they are made. The text is the same as
 * JSON.stringify gives (no spaces).
 */
import { setImmediate as nextTurn } from "node:timers/promises";

/** Array elements written between turns of the event loop. */
const SLICE_ELEMENTS = 20_000;

/** The JSON text of `value` in slices, a turn of the event loop after each long array's slice. */
async function* pacedJsonSlices(value: Record<string, unknown>): AsyncGenerator<string> {
  let first = true;
  for (const [key, member] of Object.entries(value)) {
    if (member === undefined || typeof member === "function" || typeof member === "symbol") continue;
    const head = `${first ? "{" : ","}${JSON.stringify(key)}:`;
    first = false;
    if (!Array.isArray(member) || member.length <= SLICE_ELEMENTS) {
      yield head + JSON.stringify(member);
      continue;
    }
    yield `${head}[`;
    for (let start = 0; start < member.length; start += SLICE_ELEMENTS) {
      yield (start === 0 ? "" : ",") + JSON.stringify(member.slice(start, start + SLICE_ELEMENTS)).slice(1, -1);
      await nextTurn();
    }
    yield "]";
  }
  yield first ? "{}" : "}";
}

/** A response body that sends the slices as they are made, each encoded on its own. */
export function pacedJsonStream(value: Record<string, unknown>): ReadableStream<Uint8Array> {
  const slices = pacedJsonSlices(value);
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await slices.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await slices.return(undefined);
    },
  });
}
