/**
 * The PDF stream filters that expand data, decoded here only to count what they produce: each
 * stage stops as soon as its output passes its budget, so a stream that inflates to gigabytes
 * costs at most the budget and one step. Flate uses zlib's streaming inflate (output arrives 16 KiB
 * at a time); LZW, RunLength, ASCIIHex and ASCII85 are decoded as leniently as pdf.js decodes them.
 * Image codecs (DCT, JPX, JBIG2, CCITT) are not decoded: pdf.js decodes images only to render a page
 * for OCR, bounded by their declared size.
 */
import zlib from "node:zlib";

/** What one stage produced: its output (when a later stage needs it) and how it ended. */
export interface StageResult {
  /** Bytes produced, at most the budget plus one step. */
  produced: number;
  /** The output, kept only when asked for (a later filter reads it). */
  output?: Buffer;
  /** True when the output passed the budget and decoding stopped there. */
  over: boolean;
  /**
   * Input bytes left unread because the data was damaged; a lenient reader (pdf.js) may still
   * decode them, so the caller counts them at the filter's largest expansion.
   */
  unreadAfterDamage: number;
}

/** Most output bytes one input byte can become: Deflate's 258-byte match in two bits, LZW's 4,096-byte string in twelve, a run of 128 in two bytes, ASCII85's `z`. */
export const LARGEST_EXPANSION: Record<ExpandingFilter, number> = { flate: 1032, lzw: 2731, runLength: 64, asciiHex: 1, ascii85: 4 };

export type ExpandingFilter = "flate" | "lzw" | "runLength" | "asciiHex" | "ascii85";

/** PDF filter names (and their abbreviations) of the filters decoded here; `crypt` passes data through. */
export function expandingFilter(name: string): ExpandingFilter | "crypt" | null {
  switch (name) {
    case "FlateDecode":
    case "Fl":
      return "flate";
    case "LZWDecode":
    case "LZW":
      return "lzw";
    case "RunLengthDecode":
    case "RL":
      return "runLength";
    case "ASCIIHexDecode":
    case "AHx":
      return "asciiHex";
    case "ASCII85Decode":
    case "A85":
      return "ascii85";
    case "Crypt":
      return "crypt";
    default:
      return null;
  }
}

export function decodeStage(filter: ExpandingFilter, input: Uint8Array, budget: number, keep: boolean): Promise<StageResult> | StageResult {
  switch (filter) {
    case "flate":
      return inflateCounting(input, budget, keep);
    case "lzw":
      return lzwDecode(input, budget, keep);
    case "runLength":
      return runLengthDecode(input, budget, keep);
    case "asciiHex":
      return asciiHexDecode(input);
    case "ascii85":
      return ascii85Decode(input);
  }
}

/** zlib-wrapped Deflate, as pdf.js reads it: trailing bytes after the end are ignored, a cut-off stream gives what it has. */
function inflateCounting(input: Uint8Array, budget: number, keep: boolean): Promise<StageResult> {
  return new Promise((resolve) => {
    const inflater = zlib.createInflate({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const parts: Buffer[] = [];
    let produced = 0;
    let settled = false;
    const finish = (result: Omit<StageResult, "produced" | "output">) => {
      if (settled) return;
      settled = true;
      resolve({ produced, ...(keep ? { output: Buffer.concat(parts) } : {}), ...result });
    };
    inflater.on("data", (chunk: Buffer) => {
      produced += chunk.length;
      if (produced > budget) {
        // Counted as it inflates: the rest is never produced.
        finish({ over: true, unreadAfterDamage: 0 });
        inflater.destroy();
      } else if (keep) parts.push(chunk);
    });
    inflater.on("end", () => finish({ over: false, unreadAfterDamage: 0 }));
    inflater.on("error", () => finish({ over: false, unreadAfterDamage: Math.max(0, input.length - inflater.bytesWritten) }));
    inflater.end(input);
  });
}

/** pdf.js's LZWStream, step for step, for both settings of EarlyChange (the larger count is kept). */
function lzwDecode(input: Uint8Array, budget: number, keep: boolean): StageResult {
  const early = lzwDecodeWith(input, budget, keep, 1);
  if (early.over) return early;
  const late = lzwDecodeWith(input, budget, keep, 0);
  return late.produced > early.produced ? late : early;
}

function lzwDecodeWith(input: Uint8Array, budget: number, keep: boolean, earlyChange: number): StageResult {
  const size = 4096;
  const values = new Uint8Array(size);
  const previousCodes = new Uint16Array(size);
  const lengths = new Uint16Array(size);
  for (let code = 0; code < 256; code++) {
    values[code] = code;
    lengths[code] = 1;
  }
  const sequence = new Uint8Array(size);
  const output = keep ? new OutputBuffer() : undefined;
  let sequenceLength = 0;
  let nextCode = 258;
  let codeLength = 9;
  let previousCode = 0;
  let bitBuffer = 0;
  let bitCount = 0;
  let position = 0;
  let produced = 0;
  for (;;) {
    while (bitCount < codeLength) {
      if (position >= input.length) return { produced, ...(output ? { output: output.take() } : {}), over: false, unreadAfterDamage: 0 };
      bitBuffer = ((bitBuffer << 8) | input[position++]) & 0xffffff;
      bitCount += 8;
    }
    bitCount -= codeLength;
    const code = (bitBuffer >>> bitCount) & ((1 << codeLength) - 1);
    const hadSequence = sequenceLength > 0;
    if (code < 256) {
      sequence[0] = code;
      sequenceLength = 1;
    } else if (code >= 258) {
      if (code < nextCode) {
        sequenceLength = lengths[code];
        for (let index = sequenceLength - 1, entry = code; index >= 0; index--) {
          sequence[index] = values[entry];
          entry = previousCodes[entry];
        }
      } else if (sequenceLength < size) sequence[sequenceLength++] = sequence[0];
    } else if (code === 256) {
      codeLength = 9;
      nextCode = 258;
      sequenceLength = 0;
      continue;
    } else break;
    if (hadSequence) {
      if (nextCode < size) {
        previousCodes[nextCode] = previousCode;
        lengths[nextCode] = lengths[previousCode] + 1;
        values[nextCode] = sequence[0];
      }
      nextCode++;
      const widened = nextCode + earlyChange;
      codeLength = widened & (widened - 1) ? codeLength : Math.min(Math.log2(widened) + 1, 12) | 0;
    }
    previousCode = code;
    produced += sequenceLength;
    if (produced > budget) return { produced, over: true, unreadAfterDamage: 0 };
    output?.push(sequence.subarray(0, sequenceLength));
  }
  return { produced, ...(output ? { output: output.take() } : {}), over: false, unreadAfterDamage: 0 };
}

function runLengthDecode(input: Uint8Array, budget: number, keep: boolean): StageResult {
  const output = keep ? new OutputBuffer() : undefined;
  let produced = 0;
  let position = 0;
  while (position < input.length) {
    const count = input[position++];
    if (count === 128) break;
    const run = count < 128 ? count + 1 : 257 - count;
    produced += run;
    if (produced > budget) return { produced, over: true, unreadAfterDamage: 0 };
    if (count < 128) {
      output?.push(input.subarray(position, position + run));
      position += run;
    } else {
      output?.push(new Uint8Array(run).fill(input[position] ?? 0));
      position++;
    }
  }
  return { produced, ...(output ? { output: output.take() } : {}), over: false, unreadAfterDamage: 0 };
}

/** Output is at most half the input: decoded whole. */
function asciiHexDecode(input: Uint8Array): StageResult {
  const text = Buffer.from(input).toString("latin1");
  const end = text.indexOf(">");
  const digits = (end === -1 ? text : text.slice(0, end)).replace(/[^0-9a-fA-F]/g, "");
  const output = Buffer.from(digits.length % 2 === 1 ? `${digits}0` : digits, "hex");
  return { produced: output.length, output, over: false, unreadAfterDamage: 0 };
}

/** Output is at most four times the input (each `z` is four zero bytes): decoded whole. */
function ascii85Decode(input: Uint8Array): StageResult {
  const output = new OutputBuffer();
  const group: number[] = [];
  const flush = (count: number) => {
    let value = 0;
    for (let index = 0; index < 5; index++) value = value * 85 + (group[index] ?? 84);
    const bytes = new Uint8Array([(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]);
    output.push(bytes.subarray(0, count));
    group.length = 0;
  };
  for (let position = 0; position < input.length; position++) {
    const byte = input[position];
    if (byte === 0x7e) break;
    if (byte === 0x7a && group.length === 0) output.push(new Uint8Array(4));
    else if (byte >= 0x21 && byte <= 0x75) {
      group.push(byte - 0x21);
      if (group.length === 5) flush(4);
    }
  }
  if (group.length > 1) flush(group.length - 1);
  const decoded = output.take();
  return { produced: decoded.length, output: decoded, over: false, unreadAfterDamage: 0 };
}

/** Collects output pieces (copied, since callers reuse their scratch arrays) into one Buffer. */
class OutputBuffer {
  private readonly parts: Buffer[] = [];
  push(bytes: Uint8Array): void {
    this.parts.push(Buffer.from(bytes));
  }
  take(): Buffer {
    return Buffer.concat(this.parts);
  }
}
