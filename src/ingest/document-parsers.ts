/**
 * Binary document formats by file extension. Each format's parser lives in its own file; a new
 * format is that file plus one line here. Text formats are in load-knowledge.ts.
 */
import { parseLegacyOffice } from "./legacy-office.js";
import type { DocumentParser } from "./parsed-file.js";
import { parseDocx } from "./parse-docx.js";
import { parseImage } from "./parse-image.js";
import { parsePdf } from "./parse-pdf.js";
import { parsePptx } from "./parse-pptx.js";
import { parseXlsx } from "./parse-xlsx.js";

export const DOCUMENT_PARSERS: Record<string, DocumentParser> = {
  ".pdf": parsePdf,
  ".docx": parseDocx,
  ".xlsx": parseXlsx,
  ".pptx": parsePptx,
  ".doc": parseLegacyOffice,
  ".xls": parseLegacyOffice,
  ".ppt": parseLegacyOffice,
  ".png": parseImage,
  ".jpg": parseImage,
  ".jpeg": parseImage,
};
