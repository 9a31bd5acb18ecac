/**
 * Hostile files made by the tests themselves (nothing large is committed): a PDF whose content
 * stream inflates to gigabytes of spaces, and a JPEG that puts fill bytes before its frame header.
 */
import zlib from "node:zlib";

const MEBIBYTE = 1024 * 1024;
const ADLER_MODULUS = 65521n;

/**
 * A zlib stream of `prefix` followed by `spaceMebibytes` MiB of spaces, built from one compressed
 * mebibyte repeated (each block flushed whole, so copies can follow each other): a 4 GiB stream
 * costs about 4 MB and no time to make.
 */
export function spaceBomb(prefix: string, spaceMebibytes: number): Buffer {
  const head = zlib.deflateRawSync(Buffer.from(prefix, "latin1"), { finishFlush: zlib.constants.Z_FULL_FLUSH });
  const block = zlib.deflateRawSync(Buffer.alloc(MEBIBYTE, 0x20), { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH });
  const end = zlib.deflateRawSync(Buffer.alloc(0));
  // Adler-32 of prefix + n spaces, from its definition (A = 1 + Σ bytes, B = Σ A after each byte).
  let a = 1n;
  let b = 0n;
  for (const byte of Buffer.from(prefix, "latin1")) {
    a = (a + BigInt(byte)) % ADLER_MODULUS;
    b = (b + a) % ADLER_MODULUS;
  }
  const spaces = BigInt(spaceMebibytes) * BigInt(MEBIBYTE);
  b = (b + spaces * a + (32n * spaces * (spaces + 1n)) / 2n) % ADLER_MODULUS;
  a = (a + 32n * spaces) % ADLER_MODULUS;
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(Number((b << 16n) | a));
  return Buffer.concat([Buffer.from([0x78, 0xda]), head, ...Array.from({ length: spaceMebibytes }, () => block), end, checksum]);
}

/** A one-page PDF whose page says `text` and whose content stream then inflates to `spaceMebibytes` MiB of spaces. */
export function inflateBombPdf(text: string, spaceMebibytes: number): Buffer {
  const content = spaceBomb(`BT /F1 12 Tf 72 720 Td (${text}) Tj ET\n`, spaceMebibytes);
  return pdfWithContent(content, "/Filter /FlateDecode");
}

/** A minimal one-page PDF (Helvetica) around one content stream, with a correct cross-reference table. */
export function pdfWithContent(content: Buffer, filter: string): Buffer {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let length = 0;
  const add = (part: string | Buffer) => {
    const bytes = typeof part === "string" ? Buffer.from(part, "latin1") : part;
    parts.push(bytes);
    length += bytes.length;
  };
  const object = (number: number, body: string | Buffer[]) => {
    offsets[number] = length;
    add(`${number} 0 obj\n`);
    if (typeof body === "string") add(body);
    else body.forEach(add);
    add("\nendobj\n");
  };
  add("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
  object(1, "<< /Type /Catalog /Pages 2 0 R >>");
  object(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
  object(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>");
  object(4, [Buffer.from(`<< /Length ${content.length} ${filter} >>\nstream\n`, "latin1"), content, Buffer.from("\nendstream", "latin1")]);
  object(5, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  const xref = length;
  add(
    `xref\n0 6\n0000000000 65535 f \n${offsets
      .slice(1)
      .map((offset) => `${String(offset).padStart(10, "0")} 00000 n \n`)
      .join("")}`,
  );
  add(`trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return Buffer.concat(parts);
}

/** A JPEG header (SOI, APP0, one fill byte, SOF0 claiming `width`×`height`) with no image data after it. */
export function jpegWithFillByte(width: number, height: number): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  const frame = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03]);
  const components = Buffer.from([0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, Buffer.from([0xff]), frame, components, Buffer.from([0xff, 0xd9])]);
}

/**
 * An LZW stream (PDF LZWDecode, early change on) that builds ever longer runs of `a` until the code
 * table is full, then repeats its longest entry (3,839 bytes) `repeats` times: about 1.5 bytes per
 * 3,839. Returns the stream and the bytes it decodes to.
 */
export function lzwBomb(repeats: number): { stream: Buffer; decodedBytes: number } {
  const codes: { code: number; width: number }[] = [];
  let next = 258;
  let width = 9;
  const emit = (code: number, addsEntry: boolean) => {
    codes.push({ code, width });
    if (!addsEntry) return;
    next++;
    width = (next + 1) & next ? width : Math.min(Math.log2(next + 1) + 1, 12);
  };
  emit(256, false);
  emit(0x61, false);
  let decodedBytes = 1;
  for (let code = 258; code < 4096; code++) {
    emit(code, true);
    decodedBytes += code - 256;
  }
  for (let repeat = 0; repeat < repeats; repeat++) {
    emit(4095, true);
    decodedBytes += 4095 - 256;
  }
  emit(257, false);
  const bytes: number[] = [];
  let buffer = 0;
  let count = 0;
  for (const { code, width: bits } of codes) {
    buffer = (buffer << bits) | code;
    count += bits;
    while (count >= 8) {
      count -= 8;
      bytes.push((buffer >>> count) & 0xff);
    }
    buffer &= (1 << count) - 1;
  }
  if (count > 0) bytes.push((buffer << (8 - count)) & 0xff);
  return { stream: Buffer.from(bytes), decodedBytes };
}
