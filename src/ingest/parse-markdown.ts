/**
 * Markdown with optional YAML front matter (`title`, `url`, `category`, `date`, `tags`,
 * `disclaimer: true|false`). The title falls back to the first `#` heading, then the file name.
 */
import path from "node:path";
import matter from "gray-matter";
import { withHash } from "./source-hash.js";
import { DISCLAIMER_LINE, emptyFileProblem, type FileParser } from "./parsed-file.js";
import type { SourceProblem } from "./source-problem.js";

interface FrontMatterError {
  mark?: { line?: number };
  reason?: string;
  message?: string;
}

export const parseMarkdown: FileParser = (text, file) => {
  if (text.trim() === "") return { sources: [], problems: [emptyFileProblem(file)] };
  let parsed: matter.GrayMatterFile<string>;
  try {
    // Passing options turns off gray-matter's cache, which would otherwise share parsed objects between files.
    parsed = matter(text, { excerpt: false });
  } catch (error) {
    const yamlError = error as FrontMatterError;
    const line = yamlError.mark?.line !== undefined ? yamlError.mark.line + 2 : 1;
    return {
      sources: [],
      problems: [
        {
          severity: "error",
          code: "SOURCE_MALFORMED",
          file,
          line,
          message: `front matter is not valid YAML: ${yamlError.reason ?? yamlError.message ?? String(error)}`,
          hint: "Fix the YAML between the two `---` lines (quote values that contain a colon).",
        },
      ],
    };
  }

  const problems: SourceProblem[] = [];
  const data = parsed.data as Record<string, unknown>;
  const problem = (message: string, hint: string) =>
    problems.push({ severity: "error", code: "SOURCE_MALFORMED", file, line: 1, message, hint });

  const body = cleanMarkdown(parsed.content);
  const bodyWithoutDisclaimer = body
    .split("\n")
    .filter((line) => !DISCLAIMER_LINE.test(line))
    .join("\n")
    .trim();
  if (bodyWithoutDisclaimer === "") return { sources: [], problems: [emptyFileProblem(file)] };

  const heading = /^#{1,6}\s+(.+)$/m.exec(parsed.content)?.[1]?.trim();
  const title = typeof data.title === "string" && data.title.trim() ? data.title.trim() : heading ?? path.basename(file, path.extname(file));

  let url: string | undefined;
  if (data.url !== undefined) {
    if (typeof data.url === "string" && /^https?:\/\/\S+$/i.test(data.url.trim())) url = data.url.trim();
    else problem(`front matter \`url\` is not an http(s) URL: ${JSON.stringify(data.url)}`, "Use a full link such as https://example.org/page, or remove `url`.");
  }
  let disclaimer = body.split("\n").some((line) => DISCLAIMER_LINE.test(line));
  if (data.disclaimer !== undefined) {
    if (typeof data.disclaimer === "boolean") disclaimer = data.disclaimer;
    else problem(`front matter \`disclaimer\` must be true or false, not ${JSON.stringify(data.disclaimer)}`, "Write `disclaimer: true` or `disclaimer: false`.");
  }
  let tags: string[] | undefined;
  if (data.tags !== undefined) {
    if (Array.isArray(data.tags)) tags = data.tags.map(String);
    else if (typeof data.tags === "string") tags = data.tags.split(/[,，]\s*/).filter(Boolean);
    else problem("front matter `tags` must be a list or a comma-separated string", "Write e.g. `tags: [医保, 报销]`.");
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
  // YAML turns 2025-03-18 into a Date; keep the calendar date as written.
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
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
