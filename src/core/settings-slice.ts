/**
 * The contract for a part of the settings that one folder owns (each chat platform's variables).
 * A slice is a schema and a reader of already-parsed values, never of the environment: src/config.ts
 * alone reads the environment, merges every slice's variables into one schema (so every problem is
 * reported at once) and hands each slice the parsed values.
 */
import { z } from "zod";

export interface SettingsSlice<Shape extends z.ZodRawShape, Settings> {
  /** The environment variables the slice reads, each with its rules and default. */
  readonly variables: Shape;
  /**
   * The slice's settings from the parsed values, or undefined when its platform is not configured.
   * Checks across variables (all-or-none groups) add one line per problem to `problems`.
   */
  settings(values: z.infer<z.ZodObject<Shape>>, problems: string[]): Settings | undefined;
}

/** Declares a slice with its types inferred from the variables. */
export function settingsSlice<Shape extends z.ZodRawShape, Settings>(slice: SettingsSlice<Shape, Settings>): SettingsSlice<Shape, Settings> {
  return slice;
}

/** A text variable; empty or blank counts as unset. */
export const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

export const optionalUrl = optionalText.refine((value) => value === undefined || /^https?:\/\/[^\s]+$/i.test(value), {
  message: "must be an http(s) URL",
});

/** A list of ids separated by commas or spaces; unset is an empty list. */
export const idList = optionalText.transform((value) =>
  value === undefined
    ? []
    : value
        .split(/[,\s]+/)
        .map((item) => item.trim())
        .filter(Boolean),
);

/**
 * Requires all or none of a group of variables, so a half-configured surface is caught at start;
 * true when all are set.
 */
export function checkAllOrNone<Values extends Record<string, unknown>>(
  values: Values,
  names: (keyof Values & string)[],
  surface: string,
  problems: string[],
): boolean {
  const missing = names.filter((name) => values[name] === undefined);
  if (missing.length === names.length) return false;
  if (missing.length > 0) {
    problems.push(`${missing.join(", ")}: required for ${surface} because ${names.filter((name) => !missing.includes(name)).join(", ")} is set`);
    return false;
  }
  return true;
}

/** A platform's own answer length in characters (e.g. TELEGRAM_ANSWER_MAX_CHARS); unset falls back to ANSWER_MAX_CHARS. */
export const optionalAnswerMaxChars = optionalText.pipe(z.coerce.number().int().min(80).max(4000).optional());
