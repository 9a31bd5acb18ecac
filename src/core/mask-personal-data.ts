/**
 * The one function that masks personal data in text people typed: log lines use it for questions,
 * and stored questions will too. Each match becomes a label naming its kind ([phone], [landline],
 * [id-number], [bank-card], [passport], [email], [number]); everything else stays byte for byte.
 *
 * Numbers are matched on a normalised view of the text: full-width digits, letters and separators
 * (１３８－１２３４, ＋８６, the ideographic space) and other dashes count as their ASCII forms, so
 * `１３８ １２３４ ５６７８` is a phone number like `138 1234 5678`. The view has the same length as the
 * text, so a match there masks exactly the same characters of the original.
 *
 * Deliberately left alone: dates in any common form (2025-03-18, 2025年3月18日, and 20250318, an
 * 8-digit run that is not identifying on its own), prices, percentages, years, versions, ids such as
 * faq-0012, short measurements and article or issue numbers. Only numbers shaped like the kinds
 * above, or runs of 11 or more digits, are masked.
 */

export type PersonalDataKind = "email" | "id-number" | "passport" | "phone" | "bank-card" | "landline" | "number";

/** One separator between digit groups: space, hyphen or dot (full-width forms normalised first). */
const SEP = "[ .\\-]?";
/** Digits may not continue on either side: a match is a whole number, not a slice of a longer one. */
const START = "(?<![0-9A-Za-z])";
const END = "(?![0-9A-Za-z])";
const COUNTRY_CODE = `(?:(?:\\+|00)?86${SEP})`;
const MONTH_DAY = "(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])";

/** Earlier kinds win when two matches cover the same characters (an 18-digit ID is also 18 digits). */
const rules: { kind: PersonalDataKind; pattern: RegExp }[] = [
  { kind: "email", pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  // Resident ID: area (6), birth date (8), sequence (3) and a check digit or X; grouped 6-8-4 or 6-4-4-4.
  { kind: "id-number", pattern: new RegExp(`${START}\\d{6}${SEP}(?:18|19|20)\\d{2}${SEP}${MONTH_DAY}${SEP}\\d{3}[\\dXx]${END}`, "g") },
  // The 15-digit ID issued before 1999: area (6), two-digit year, month, day, sequence (3).
  { kind: "id-number", pattern: new RegExp(`${START}\\d{6}${SEP}\\d{2}${MONTH_DAY}${SEP}\\d{3}${END}`, "g") },
  // Passports (E/G and eight digits, or E, a letter and seven) and Hong Kong/Macau permits (H/M and 8–10 digits).
  { kind: "passport", pattern: new RegExp(`${START}(?:[EeGg]\\d{8}|[Ee][A-Za-z]\\d{7}|[HhMm]\\d{8,10})${END}`, "g") },
  // Mainland mobile: 1[3-9]x xxxx xxxx, optionally after +86, 0086 or 86.
  { kind: "phone", pattern: new RegExp(`${START}${COUNTRY_CODE}?1[3-9]\\d${SEP}\\d{4}${SEP}\\d{4}${END}`, "g") },
  // Bank cards: 16–19 digits, whole, grouped 4-4-4-4(-1..3) with one kind of separator throughout
  // (so a date range such as 20250318-20250401 is not a card), or 6 then 10–13.
  {
    kind: "bank-card",
    pattern: new RegExp(`${START}(?:\\d{16,19}|\\d{4}([ .\\-])\\d{4}\\1\\d{4}\\1\\d{4}(?:\\1\\d{1,3})?|\\d{6}[ .\\-]\\d{10,13})${END}`, "g"),
  },
  // Landlines: area code 0xx or 0xxx (optionally in brackets, or +86 without the 0), then 7–8 digits,
  // optionally an extension after a hyphen.
  {
    kind: "landline",
    pattern: new RegExp(
      `${START}(?:\\(0\\d{2,3}\\)|0\\d{2,3}|${COUNTRY_CODE}(?:\\(0?\\d{2,3}\\)|0?\\d{2,3}))${SEP}\\d{3,4}${SEP}\\d{4}(?:-\\d{1,6})?${END}`,
      "g",
    ),
  },
  // Whatever else is a long run of digits (a card or account number in an unusual grouping).
  { kind: "number", pattern: /(?<![0-9A-Za-z])\d{11,}(?![0-9A-Za-z])/g },
];

const DASHES = /[\u2010-\u2015\u2212\u30FC\uFE58\uFE63\uFF0D]/;

/** Same length as `text`: each UTF-16 unit maps to its NFKC form when that is a single ASCII character. */
export function matchingView(text: string): string {
  let view = "";
  for (const unit of text) {
    if (unit.length !== 1) {
      view += unit;
      continue;
    }
    if (DASHES.test(unit)) {
      view += "-";
      continue;
    }
    const normalised = unit.normalize("NFKC");
    view += normalised.length === 1 && normalised.charCodeAt(0) < 0x80 ? normalised : unit;
  }
  return view;
}

interface Match {
  start: number;
  end: number;
  kind: PersonalDataKind;
  rank: number;
}

/** The personal data found in `text`, as non-overlapping spans in order. */
export function findPersonalData(text: string): { start: number; end: number; kind: PersonalDataKind }[] {
  const view = matchingView(text);
  const candidates: Match[] = [];
  rules.forEach(({ kind, pattern }, rank) => {
    for (const found of view.matchAll(pattern)) candidates.push({ start: found.index, end: found.index + found[0].length, kind, rank });
  });
  // Leftmost first; at the same start the longer match, then the higher-ranked kind.
  candidates.sort((left, right) => left.start - right.start || right.end - left.end || left.rank - right.rank);
  const chosen: Match[] = [];
  for (const candidate of candidates) {
    const previous = chosen.at(-1);
    if (previous && candidate.start < previous.end) {
      // Same span as the one kept, but a higher-ranked kind (e.g. an ID that is also 18 digits).
      if (candidate.start === previous.start && candidate.end === previous.end && candidate.rank < previous.rank) chosen[chosen.length - 1] = candidate;
      continue;
    }
    chosen.push(candidate);
  }
  return chosen.map(({ start, end, kind }) => ({ start, end, kind }));
}

/** `text` with every phone, ID, bank-card, passport and e-mail replaced by `[kind]`. */
export function maskPersonalData(text: string): string {
  let masked = "";
  let position = 0;
  for (const { start, end, kind } of findPersonalData(text)) {
    masked += `${text.slice(position, start)}[${kind}]`;
    position = end;
  }
  return masked + text.slice(position);
}
