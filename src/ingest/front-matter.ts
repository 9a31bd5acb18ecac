/**
 * Markdown front matter, read as data and nothing else: plain `---` YAML only, parsed with the
 * `yaml` package's core schema (no custom tags, no code), with bounded alias expansion and a size
 * limit checked before the parser sees a byte. `---js`, `---coffee`, `---json` and any other
 * language label are refused: some front-matter tools evaluate those blocks as code.
 */
import { parseDocument } from "yaml";
import type { SourceProblem } from "./source-problem.js";

/** Most alias expansions one front matter block may cause (the `yaml` package's own default, made explicit). */
export const FRONT_MATTER_MAX_ALIAS_COUNT = 100;

/** Labels after the opening `---` that still mean YAML. */
const YAML_LABELS = new Set(["", "yaml", "yml"]);

const CLOSING_LINE = /^---[ \t]*\r?$/m;

export type FrontMatterResult = { ok: true; data: Record<string, unknown>; content: string } | { ok: false; problem: SourceProblem };

/**
 * Splits `text` into its front matter (as a plain object) and the Markdown after it. A file that
 * does not start with `---` has no front matter; `----` (a horizontal rule) is not an opening line.
 */
export function readFrontMatter(text: string, file: string, maxBytes: number): FrontMatterResult {
  if (!text.startsWith("---") || text.charAt(3) === "-") return { ok: true, data: {}, content: text };
  const firstLineEnd = text.indexOf("\n");
  const firstLine = (firstLineEnd === -1 ? text : text.slice(0, firstLineEnd)).replace(/\r$/, "");
  const label = firstLine.slice(3).trim();
  if (!YAML_LABELS.has(label.toLowerCase())) {
    return refuse(
      file,
      1,
      `front matter language \`${label.slice(0, 40)}\` is not accepted; front matter is read as YAML data only`,
      "Start the file with a plain `---` line and write the front matter as YAML `key: value` lines (title, url, category, date, tags, disclaimer).",
    );
  }
  const rest = firstLineEnd === -1 ? "" : text.slice(firstLineEnd + 1);
  const closing = CLOSING_LINE.exec(rest);
  if (!closing) {
    return refuse(
      file,
      1,
      "front matter opened on line 1 has no closing `---` line",
      "Close the front matter with a line that is just `---`, or remove the opening `---`.",
    );
  }
  const block = rest.slice(0, closing.index);
  const blockBytes = Buffer.byteLength(block, "utf8");
  if (blockBytes > maxBytes) {
    return {
      ok: false,
      problem: {
        severity: "error",
        code: "SOURCE_TOO_LARGE",
        file,
        line: 1,
        message: `front matter is ${blockBytes} bytes, more than the limit of ${maxBytes} bytes (MAX_FRONT_MATTER_BYTES)`,
        hint: "Move long text from the front matter into the body, or raise MAX_FRONT_MATTER_BYTES.",
      },
    };
  }
  const afterClosing = rest.slice(closing.index + closing[0].length);
  const content = afterClosing.startsWith("\n") ? afterClosing.slice(1) : afterClosing;
  const parsed = parseYamlData(block, file);
  return parsed.ok ? { ok: true, data: parsed.data, content } : parsed;
}

function parseYamlData(block: string, file: string): { ok: true; data: Record<string, unknown> } | { ok: false; problem: SourceProblem } {
  // The block starts on the file's second line.
  const lineAt = (offset: number) => block.slice(0, Math.max(0, offset)).split("\n").length + 1;
  const yamlHint = "Fix the YAML between the two `---` lines (quote values that contain a colon).";
  let document: ReturnType<typeof parseDocument>;
  try {
    document = parseDocument(block, { schema: "core", customTags: [], merge: false, uniqueKeys: true, prettyErrors: false });
  } catch (cause) {
    // The parser reports bad YAML as document errors; anything it throws is still this file's problem alone.
    return refuse(file, 1, `front matter cannot be parsed: ${(cause as Error).message}`, yamlHint);
  }
  const [error] = document.errors;
  if (error) return refuse(file, lineAt(error.pos[0]), `front matter is not valid YAML: ${error.message}`, yamlHint);
  // A tag the core schema does not know (`!!js/function`, `!include`, …) asks for more than data.
  const [warning] = document.warnings;
  if (warning) {
    return refuse(
      file,
      lineAt(warning.pos[0]),
      `front matter is not plain YAML data: ${warning.message}`,
      "Remove `!tags` from the front matter; write plain values.",
    );
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: FRONT_MATTER_MAX_ALIAS_COUNT });
  } catch (cause) {
    // The `yaml` package throws a ReferenceError when aliases would expand past the limit.
    return refuse(
      file,
      1,
      cause instanceof ReferenceError
        ? `front matter's YAML aliases (\`*name\`) would expand past the limit of ${FRONT_MATTER_MAX_ALIAS_COUNT}; the file was left out`
        : `front matter is not usable YAML data: ${(cause as Error).message}`,
      "Remove the `&anchor` / `*alias` references from the front matter and write the values out.",
    );
  }
  if (data === null || data === undefined) return { ok: true, data: {} };
  if (typeof data !== "object" || Array.isArray(data)) {
    return refuse(file, 2, "front matter must be a mapping of `key: value` lines", yamlHint);
  }
  return { ok: true, data: data as Record<string, unknown> };
}

function refuse(file: string, line: number, message: string, hint: string): { ok: false; problem: SourceProblem } {
  return { ok: false, problem: { severity: "error", code: "SOURCE_MALFORMED", file, line, message, hint } };
}
