/**
 * Old binary Office formats (.doc, .xls, .ppt). Reading them safely needs a converter we do not
 * ship, so they are reported by name with what to do rather than silently skipped.
 */
import path from "node:path";
import type { DocumentParser } from "./parsed-file.js";

const MODERN: Record<string, string> = { ".doc": ".docx", ".xls": ".xlsx", ".ppt": ".pptx" };

export const parseLegacyOffice: DocumentParser = async (_bytes, file) => {
  const modern = MODERN[path.extname(file).toLowerCase()] ?? ".docx/.xlsx/.pptx";
  return {
    sources: [],
    problems: [
      {
        severity: "error",
        code: "SOURCE_UNSUPPORTED",
        file,
        message: "old binary Office format is not read; it was not indexed",
        hint: `Open it in Word, Excel or PowerPoint (or LibreOffice) and save it as ${modern}, then remove the old file.`,
      },
    ],
  };
};
