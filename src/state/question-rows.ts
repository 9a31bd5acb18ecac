/**
 * What both state store dialects share about the question log's rows: days as numbers, the
 * platforms a question came from as a bit mask, session tokens kept only as hashes, and a
 * question group row turned into the queue's entry. One definition, so SQLite and PostgreSQL
 * cannot drift apart in what the admin queue shows.
 */
import { createHash } from "node:crypto";
import type { Platform } from "../core/types.js";
import type { QuestionGroup, QuestionRecord } from "./state-store.js";

export const DAY_MS = 86_400_000;
/** A platform's bit in `platforms` is its place here: append new platforms, never reorder. */
const PLATFORMS: Platform[] = ["telegram", "wecom", "web", "cli", "eval"];

/** Cited sources counted per question; an answer cites a handful. */
export const MAX_COUNTED_SOURCES = 20;
export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 10_000;
export const DEFAULT_KEPT_REINDEX_RUNS = 20;

/** The UTC day of an epoch-milliseconds time, as a day number. */
export function dayNumber(time: number): number {
  return Math.floor(time / DAY_MS);
}

/** A day number as YYYY-MM-DD. */
export function dayLabel(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function platformBit(platform: Platform): number {
  const index = PLATFORMS.indexOf(platform);
  return index < 0 ? 0 : 1 << index;
}

export function platformsOf(mask: number): Platform[] {
  return PLATFORMS.filter((_, index) => (mask & (1 << index)) !== 0);
}

/** Session tokens are stored as this hash only, so a copy of the store lets no one in. */
export function tokenHash(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Longest missing subject kept: it names a subject, and the queue shows it as a heading. */
export const MAX_MISSING_SUBJECT_CHARS = 100;

/** The subject a record stores: only a no-answer has one, trimmed to the bound; null otherwise. */
export function missingSubjectOf(record: QuestionRecord): string | null {
  const subject = record.answered ? "" : (record.missingSubject ?? "").trim();
  return subject === "" ? null : [...subject].slice(0, MAX_MISSING_SUBJECT_CHARS).join("");
}

/**
 * Where the queue lists leave out what the admin dismissed: a question is back when it is asked
 * again after its dismissal. `g` is the question_groups row (aliased so either listing can use it).
 */
export const NOT_DISMISSED = "(g.dismissed_at IS NULL OR g.last_asked_at > g.dismissed_at)";

/** A `question_groups` row (or a window's sum of `question_group_days`) as either dialect returns it. */
export interface GroupRow {
  group_key: string;
  text: string;
  asked: number;
  unanswered: number;
  upvotes: number;
  downvotes: number;
  last_asked_at: number;
  /** SQLite has no booleans: 0/1 there, true/false in PostgreSQL. */
  last_no_answer: number | boolean;
  platforms: number;
  top_source: string | null;
  /** Null when the latest ask was answered or no subject was named. */
  missing_subject: string | null;
}

export function toGroup(row: GroupRow): QuestionGroup {
  return {
    text: row.text,
    groupKey: row.group_key,
    count: row.asked,
    lastAskedAt: row.last_asked_at,
    platforms: platformsOf(row.platforms),
    noAnswer: row.last_no_answer === true || row.last_no_answer === 1,
    noAnswerCount: row.unanswered,
    upvotes: row.upvotes,
    downvotes: row.downvotes,
    topSource: row.top_source ?? undefined,
    ...(row.missing_subject ? { missingSubject: row.missing_subject } : {}),
  };
}
