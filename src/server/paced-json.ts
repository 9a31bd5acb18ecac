/**
 * JSON text of a large response, made a slice at a time. A re-index summary of a million-row table
 * lists a million source ids, and JSON.stringify of it held the server's thread for a second or
 * more; here each long array is written in slices with a turn of the event loop between them. The
 * text is the same as JSON.stringify gives (no spaces).
 */
import { setImmediate as nextTurn } from "node:timers/promises";

/** Array elements written between turns of the event loop. */
const SLICE_ELEMENTS = 20_000;

export async function pacedJson(value: Record<string, unknown>): Promise<string> {
  const members: string[] = [];
  for (const [key, member] of Object.entries(value)) {
    if (member === undefined || typeof member === "function" || typeof member === "symbol") continue;
    members.push(`${JSON.stringify(key)}:${Array.isArray(member) && member.length > SLICE_ELEMENTS ? await pacedArray(member) : JSON.stringify(member)}`);
  }
  return `{${members.join(",")}}`;
}

async function pacedArray(array: unknown[]): Promise<string> {
  const slices: string[] = [];
  for (let start = 0; start < array.length; start += SLICE_ELEMENTS) {
    slices.push(JSON.stringify(array.slice(start, start + SLICE_ELEMENTS)).slice(1, -1));
    await nextTurn();
  }
  return `[${slices.join(",")}]`;
}
