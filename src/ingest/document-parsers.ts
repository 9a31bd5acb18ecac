/**
 * Binary document formats by file extension. Each format's parser lives in its own file; a new
 * format is that file plus one line here. Text formats are in parse-file.ts. Each parser's module
 * (pdf.js, SheetJS, mammoth…) is loaded on first use, so a thread that parses only one format does
 * not load them all.
 */
import type { DocumentParser } from "./parsed-file.js";

const onFirstUse =
  (load: () => Promise<DocumentParser>): DocumentParser =>
  async (...args) =>
    (await load())(...args);

export const DOCUMENT_PARSERS: Record<string, DocumentParser> = {
  ".pdf": onFirstUse(async () => (await import("./parse-pdf.js")).parsePdf),
  ".docx": onFirstUse(async () => (await import("./parse-docx.js")).parseDocx),
  ".xlsx": onFirstUse(async () => (await import("./parse-xlsx.js")).parseXlsx),
  ".pptx": onFirstUse(async () => (await import("./parse-pptx.js")).parsePptx),
  ".doc": onFirstUse(async () => (await import("./legacy-office.js")).parseLegacyOffice),
  ".xls": onFirstUse(async () => (await import("./legacy-office.js")).parseLegacyOffice),
  ".ppt": onFirstUse(async () => (await import("./legacy-office.js")).parseLegacyOffice),
  ".png": onFirstUse(async () => (await import("./parse-image.js")).parseImage),
  ".jpg": onFirstUse(async () => (await import("./parse-image.js")).parseImage),
  ".jpeg": onFirstUse(async () => (await import("./parse-image.js")).parseImage),
};
