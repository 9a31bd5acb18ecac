/**
 * Binary document formats by file extension. Each format's parser lives in its own file; a new
 * format is that file plus one line here. Text formats are in load-knowledge.ts.
 */
import type { DocumentParser } from "./parsed-file.js";
import { parseImage } from "./parse-image.js";

export const DOCUMENT_PARSERS: Record<string, DocumentParser> = {
  ".png": parseImage,
  ".jpg": parseImage,
  ".jpeg": parseImage,
};
