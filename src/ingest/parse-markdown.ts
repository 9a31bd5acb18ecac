/**
 * Markdown with optional YAML front matter (`title`, `url`, `category`, `date`, `tags`,
 * `disclaimer: true|false`). The title falls back to the first `#` heading, then the file name.
 * Front matter is data only (see front-matter.ts); field lengths are bounded by load-knowledge.
 */
import path from "node:path";
import { readFrontMatter } from "./front-matter.js";
import { DEFAULT_INDEX_LIMITS } from "./index-limits.js";
import { withHash } from "./source-hash.js";
import { DISCLAIMER_LINE, emptyFileProblem, type FileParser } from "./parsed-file.js";
import type { SourceProblem } from "./source-problem.js";

export const parseMarkdown: FileParser = (text, file, limits = DEFAULT_INDEX_LIMITS) => {
  if (text.trim() === "") return { sources: [], problems: [emptyFileProblem(file)] };
  const parsed = readFrontMatter(text, file, limits.maxFrontMatterBytes);
  if (!parsed.ok) return { sources: [], problems: [parsed.problem] };

  const problems: SourceProblem[] = [];
  const data = parsed.data;
  const problem = (message: string, hint: string) => problems.push({ severity: "error", code: "SOURCE_MALFORMED", file, line: 1, message, hint });

  const body = cleanMarkdown(parsed.content);
  const bodyWithoutDisclaimer = body
    .split("\n")
    .filter((line) => !DISCLAIMER_LINE.test(line))
    .join("\n")
    .trim();
  if (bodyWithoutDisclaimer === "") return { sources: [], problems: [emptyFileProblem(file)] };

  const heading = /^#{1,6}\s+(.+)$/m.exec(parsed.content)?.[1]?.trim();
  const title = typeof data.title === "string" && data.title.trim() ? data.title.trim() : (heading ?? path.basename(file, path.extname(file)));

  let url: string | undefined;
  if (data.url !== undefined) {
    if (typeof data.url === "string" && /^https?:\/\/\S+$/i.test(data.url.trim())) url = data.url.trim();
    else problem(`front matter \`url\` is not an http(s) URL: ${quoted(data.url)}`, "Use a full link such as https://example.org/page, or remove `url`.");
  }
  let disclaimer = body.split("\n").some((line) => DISCLAIMER_LINE.test(line));
  if (data.disclaimer !== undefined) {
    if (typeof data.disclaimer === "boolean") disclaimer = data.disclaimer;
    else problem(`front matter \`disclaimer\` must be true or false, not ${quoted(data.disclaimer)}`, "Write `disclaimer: true` or `disclaimer: false`.");
  }
  let tags: string[] | undefined;
  if (data.tags !== undefined) {
    if (Array.isArray(data.tags) && data.tags.every(isScalar)) tags = data.tags.map(String).filter(Boolean);
    else if (typeof data.tags === "string") tags = data.tags.split(/[,，]\s*/).filter(Boolean);
    else problem("front matter `tags` must be a list of words or a comma-separated string", "Write e.g. `tags: [医保, 报销]`.");
  }
  // Nested lists or mappings here would otherwise be stored as "[object Object]".
  for (const field of ["category", "date"] as const) {
    if (data[field] !== undefined && !isScalar(data[field]))
      problem(
        `front matter \`${field}\` must be a single value, not a list or mapping`,
        `Write e.g. \`${field}: ${field === "date" ? "2025-03-18" : "医保"}\`.`,
      );
  }
  if (problems.length > 0) return { sources: [], problems };

  return {
    sources: [
      withHash({
        sourceId: file,
        title,
        ...(url ? { url } : {}),
        ...(data.category !== undefined ? { category: String(data.category) } : {}),
        ...(data.date !== undefined ? { date: formatDate(data.date) } : {}),
        ...(tags ? { tags } : {}),
        kind: "markdown",
        text: bodyWithoutDisclaimer,
        disclaimer,
        file,
      }),
    ],
    problems,
  };
};

function formatDate(value: unknown): string {
  // The core schema keeps 2025-03-18 as written; a Date is handled in case a caller passes one.
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

/** A value for an error message, cut so a huge front matter value does not flood the report. */
function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** Keeps headings as paragraph breaks and link text, drops markup that would read as noise in a quote. */
function cleanMarkdown(markdown: string): string {
  return markdown
    .replace(/\r\n/g, "\n")
    .replace(/```[^\n]*\n([\s\S]*?)```/g, "$1")
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/^#{1,6}\s+(.+)$/gm, "\n$1\n")
    .replace(/^\s*(?:[-*+]|\d+[.)])\s+/gm, "")
    .replace(/^>\s?/gm, "")
    .replace(/(\*\*|__|`)/g, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
