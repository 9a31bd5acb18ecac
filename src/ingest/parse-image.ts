/**
 * `.png`, `.jpg` and `.jpeg`: a scanned page or a photographed notice, read by OCR into one page
 * source. The bytes must be the image the name says (checked before Tesseract runs).
 */
import { withHash } from "./source-hash.js";
import { DISCLAIMER_LINE, malformedProblem, type DocumentParser, tooLargeProblem } from "./parsed-file.js";
import { readImageHeader } from "./ocr/image-header.js";
import { ocrImage } from "./ocr/ocr-image.js";

/** 100 megapixels: a 600 dpi A3 scan fits; a header claiming more is a decompression bomb. */
export const MAX_IMAGE_PIXELS = 100_000_000;

export const parseImage: DocumentParser = async (bytes, file, limits, signal) => {
  const header = readImageHeader(bytes);
  if (header.format === null) {
    return {
      sources: [],
      problems: [
        malformedProblem(file, undefined, "file is not a PNG or JPEG image", "Open it in an image viewer and save it again as PNG or JPEG, or remove it."),
      ],
    };
  }
  if (header.width === undefined || header.height === undefined) {
    // Without a size the pixel check below cannot run, and the decoder would learn the size on its own.
    return {
      sources: [],
      problems: [
        malformedProblem(
          file,
          undefined,
          "the JPEG has no start-of-frame marker before its image data, so its size cannot be checked",
          "Open it in an image viewer and save it again as PNG or JPEG, or remove it.",
        ),
      ],
    };
  }
  if (header.width * header.height > MAX_IMAGE_PIXELS) {
    return {
      sources: [],
      problems: [
        tooLargeProblem(
          file,
          `image is ${header.width}×${header.height} pixels, more than the ${MAX_IMAGE_PIXELS} pixels OCR reads`,
          "Scale the scan down (300 dpi is enough for OCR) and save it again.",
        ),
      ],
    };
  }
  const result = await ocrImage(bytes, { file, what: "the image", limits, signal });
  if ("problem" in result) return { sources: [], problems: [result.problem] };
  if (result.text === "") {
    return {
      sources: [],
      problems: [{ severity: "error", code: "SOURCE_EMPTY", file, message: "OCR found no text in the image", hint: "Use a sharper scan, or remove the file." }],
    };
  }
  const lines = result.text.split("\n");
  const disclaimer = lines.some((line) => DISCLAIMER_LINE.test(line));
  const [firstLine, ...rest] = lines.filter((line) => !DISCLAIMER_LINE.test(line));
  const body = rest.join("\n").trim();
  return {
    sources: [withHash({ sourceId: file, title: firstLine.trim(), kind: "page", text: body !== "" ? body : firstLine.trim(), disclaimer, file })],
    problems: [],
  };
};
