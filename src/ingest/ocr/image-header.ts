/**
 * What kind of image a file's first bytes say it is, and its size in pixels, read before Tesseract
 * sees it: a `.png` that is not an image is reported as malformed, and a header claiming a huge
 * canvas is refused before the decoder allocates it.
 */
export type ImageHeader = { format: "png" | "jpeg"; width?: number; height?: number } | { format: null };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function readImageHeader(bytes: Buffer): ImageHeader {
  if (bytes.length >= 24 && bytes.subarray(0, 8).equals(PNG_SIGNATURE) && bytes.toString("latin1", 12, 16) === "IHDR") {
    return { format: "png", width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return { format: "jpeg", ...jpegSize(bytes) };
  }
  return { format: null };
}

const START_OF_SCAN = 0xda;
const END_OF_IMAGE = 0xd9;
/** TEM and RST0..RST7 stand alone: no length follows them. */
const standsAlone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
/** SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc). */
const startsFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

/**
 * Walks the JPEG markers to the first start-of-frame, which holds the size, the way libjpeg (what
 * Tesseract decodes with) finds it: any number of 0xFF fill bytes may stand before a marker (JPEG
 * spec B.1.1.2), and stray bytes between segments are skipped. Nothing when the image data starts,
 * or the file ends, before a frame: the caller then refuses the file rather than OCR an unknown size.
 */
function jpegSize(bytes: Buffer): { width?: number; height?: number } {
  let offset = 2;
  for (;;) {
    while (offset < bytes.length && bytes[offset] !== 0xff) offset++;
    while (offset < bytes.length && bytes[offset] === 0xff) offset++;
    if (offset >= bytes.length) return {};
    const marker = bytes[offset++];
    // 0xFF00 is an escaped data byte, not a marker.
    if (marker === 0x00 || standsAlone(marker)) continue;
    if (marker === START_OF_SCAN || marker === END_OF_IMAGE) return {};
    if (offset + 2 > bytes.length) return {};
    const length = bytes.readUInt16BE(offset);
    if (startsFrame(marker)) {
      if (length < 8 || offset + 7 > bytes.length) return {};
      return { height: bytes.readUInt16BE(offset + 3), width: bytes.readUInt16BE(offset + 5) };
    }
    if (length < 2) return {};
    offset += length;
  }
}
