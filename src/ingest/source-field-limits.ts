/**
 * Bounds on a source's short fields, applied to every parser's output. These fields are shown in
 * answers, citations and source pages and stored for every source, so one file must not make them
 * arbitrarily long. Display fields are cut with a warning (the body is still good knowledge); a
 * too-long link is an error, because a shortened URL would point somewhere else.
 */
import type { SourceDoc } from "../core/types.js";
import { withHash } from "./source-hash.js";
import type { SourceProblem } from "./source-problem.js";

export const SOURCE_FIELD_LIMITS = {
  titleChars: 200,
  categoryChars: 100,
  dateChars: 40,
  tagCount: 20,
  tagChars: 50,
  urlChars: 2048,
} as const;

export interface BoundedSource {
  /** The source with its fields cut to the limits, or null when it must be left out. */
  source: SourceDoc | null;
  problems: SourceProblem[];
}

export function boundSourceFields(source: SourceDoc): BoundedSource {
  const limits = SOURCE_FIELD_LIMITS;
  const problems: SourceProblem[] = [];
  const where = source.sourceId === source.file ? "" : ` (source ${JSON.stringify(source.sourceId)})`;
  const warn = (message: string, hint: string) =>
    problems.push({ severity: "warning", code: "SOURCE_MALFORMED", file: source.file, message: `${message}${where}`, hint });

  if (source.url !== undefined && source.url.length > limits.urlChars) {
    return {
      source: null,
      problems: [
        {
          severity: "error",
          code: "SOURCE_MALFORMED",
          file: source.file,
          message: `url is ${source.url.length} characters, more than the limit of ${limits.urlChars}${where}; the source was left out`,
          hint: "Use a shorter link for the page (drop tracking parameters), or remove the url.",
        },
      ],
    };
  }

  let changed = false;
  const cut = (field: "title" | "category" | "date", value: string | undefined, max: number): string | undefined => {
    if (value === undefined || isWithin(value, max)) return value;
    changed = true;
    warn(
      `${field} is ${characterCount(value)} characters, more than the limit of ${max}; it was shortened`,
      `Shorten the ${field} to at most ${max} characters.`,
    );
    return firstCharacters(value, max);
  };
  const title = cut("title", source.title, limits.titleChars)!;
  const category = cut("category", source.category, limits.categoryChars);
  const date = cut("date", source.date, limits.dateChars);

  let tags = source.tags;
  if (tags && tags.length > limits.tagCount) {
    changed = true;
    warn(
      `has ${tags.length} tags, more than the limit of ${limits.tagCount}; only the first ${limits.tagCount} were kept`,
      `Keep at most ${limits.tagCount} tags.`,
    );
    tags = tags.slice(0, limits.tagCount);
  }
  if (tags?.some((tag) => !isWithin(tag, limits.tagChars))) {
    changed = true;
    warn(`has tags longer than ${limits.tagChars} characters; they were shortened`, `Keep each tag to at most ${limits.tagChars} characters.`);
    tags = tags.map((tag) => firstCharacters(tag, limits.tagChars));
  }

  if (!changed) return { source, problems };
  // Hashed again so the hash covers exactly what is stored and served.
  const bounded = withHash({
    ...source,
    title,
    ...(category !== undefined ? { category } : {}),
    ...(date !== undefined ? { date } : {}),
    ...(tags ? { tags } : {}),
  });
  return { source: bounded, problems };
}

/** Counted in code points, so a cut never splits a character outside the BMP. */
function characterCount(value: string): number {
  return Array.from(value).length;
}

/** Code points never outnumber UTF-16 units, so a short value is not split up to be counted. */
function isWithin(value: string, max: number): boolean {
  return value.length <= max || characterCount(value) <= max;
}

function firstCharacters(value: string, max: number): string {
  return Array.from(value).slice(0, max).join("");
}
