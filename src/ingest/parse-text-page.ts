/**
 * The article page layout of the seed (`.txt`): first line the title, then a sub-title and body
 * sections, an optional `提示:本内容不能代替面诊…` line that marks the page as medical, and an optional
 * `相关推荐` list whose items (title line, summary paragraph, `category date` line) each become a
 * source of their own, marked as an excerpt.
 */
import type { SourceDoc } from "../core/types.js";
import { withHash } from "./source-hash.js";
import { DISCLAIMER_LINE, emptyFileProblem, type FileParser } from "./parsed-file.js";
import type { SourceProblem } from "./source-problem.js";

const RELATED_HEADING = /^\s*相关推荐\s*$/;
const CATEGORY_DATE_LINE = /^\s*(\S.{0,30}?)\s+(\d{4}-\d{2}-\d{2})\s*$/;
/** A sub-title is a short line that does not end like a sentence. */
const SUBTITLE_MAX_CHARS = 40;

interface NumberedLine {
  text: string;
  line: number;
}

export const parseTextPage: FileParser = (text, file) => {
  const lines: NumberedLine[] = text.split(/\r?\n/).map((value, index) => ({ text: value.replace(/\s+$/, ""), line: index + 1 }));
  const firstContent = lines.findIndex((line) => line.text.trim() !== "");
  if (firstContent === -1) return { sources: [], problems: [emptyFileProblem(file)] };

  const title = lines[firstContent].text.trim();
  const relatedStart = lines.findIndex((line, index) => index > firstContent && RELATED_HEADING.test(line.text));
  const bodyLines = lines.slice(firstContent + 1, relatedStart === -1 ? undefined : relatedStart);
  const disclaimer = bodyLines.some((line) => DISCLAIMER_LINE.test(line.text));
  const bodyParagraphs = toParagraphs(bodyLines.filter((line) => !DISCLAIMER_LINE.test(line.text)));

  const sources: SourceDoc[] = [];
  const problems: SourceProblem[] = [];
  if (bodyParagraphs.length === 0) {
    problems.push({
      severity: "error",
      code: "SOURCE_EMPTY",
      file,
      line: lines[firstContent].line,
      message: "page has a title but no body",
      hint: "Add the article text below the title line.",
    });
  } else {
    const subtitle = isSubtitle(bodyParagraphs[0]) ? bodyParagraphs[0] : undefined;
    sources.push(
      withHash({
        sourceId: file,
        title,
        kind: "page",
        text: bodyParagraphs.join("\n\n"),
        disclaimer,
        file,
        ...(subtitle ? { tags: [subtitle] } : {}),
      }),
    );
  }

  if (relatedStart !== -1) {
    const related = parseRelatedItems(lines.slice(relatedStart + 1), file);
    sources.push(...related.sources);
    problems.push(...related.problems);
  }
  return { sources, problems };
};

function isSubtitle(paragraph: string): boolean {
  return !paragraph.includes("\n") && paragraph.length <= SUBTITLE_MAX_CHARS && !/[。！？!?：:,，;；]$/.test(paragraph);
}

/** Groups non-blank lines into paragraphs and removes the page's list indentation. */
function toParagraphs(lines: NumberedLine[]): string[] {
  const paragraphs: string[] = [];
  let current: string[] = [];
  for (const line of lines) {
    const value = line.text.trim();
    if (value === "") {
      if (current.length > 0) paragraphs.push(current.join("\n"));
      current = [];
    } else {
      current.push(value);
    }
  }
  if (current.length > 0) paragraphs.push(current.join("\n"));
  return paragraphs;
}

/** Each item ends at its `category date` line; the item's first line is its title, the rest its summary. */
function parseRelatedItems(lines: NumberedLine[], file: string): { sources: SourceDoc[]; problems: SourceProblem[] } {
  const sources: SourceDoc[] = [];
  const problems: SourceProblem[] = [];
  let pending: NumberedLine[] = [];
  // Items are numbered by position, so a broken item does not renumber the ones after it.
  let itemNumber = 0;
  for (const line of lines) {
    if (line.text.trim() === "") continue;
    const categoryDate = CATEGORY_DATE_LINE.exec(line.text);
    if (!categoryDate || pending.length === 0) {
      pending.push(line);
      continue;
    }
    const [titleLine, ...summaryLines] = pending;
    itemNumber++;
    if (summaryLines.length === 0) {
      problems.push({
        severity: "error",
        code: "SOURCE_MALFORMED",
        file,
        line: titleLine.line,
        message: `related item "${titleLine.text.trim()}" has no summary`,
        hint: "Each 相关推荐 item needs a title line, a summary paragraph and a `category date` line.",
      });
    } else {
      sources.push(
        withHash({
          sourceId: `${file}#related-${itemNumber}`,
          title: titleLine.text.trim(),
          kind: "excerpt",
          text: summaryLines.map((summary) => summary.text.trim()).join("\n"),
          category: categoryDate[1],
          date: categoryDate[2],
          disclaimer: false,
          file,
        }),
      );
    }
    pending = [];
  }
  if (pending.length > 0) {
    problems.push({
      severity: "error",
      code: "SOURCE_MALFORMED",
      file,
      line: pending[0].line,
      message: `related item "${pending[0].text.trim()}" is not closed by a \`category date\` line`,
      hint: "End each 相关推荐 item with a line such as `健康新闻 2025-03-18`.",
    });
  }
  return { sources, problems };
}
