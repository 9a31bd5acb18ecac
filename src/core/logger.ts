/**
 * Structured logs, one JSON line per event. Personal data users type into questions (phone and ID
 * numbers, e-mail addresses) is masked before it reaches a log line.
 */
import pino, { type Logger } from "pino";

const maskingRules: [RegExp, string][] = [
  // Mainland resident ID: 17 digits then a digit or X.
  [/(?<!\d)\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dXx](?!\d)/g, "[id-number]"],
  // Mainland mobile numbers, optionally with +86.
  [/(?:\+?86[- ]?)?(?<!\d)1[3-9]\d{9}(?!\d)/g, "[phone]"],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, "[email]"],
  // Any other long digit run (bank cards, landlines).
  [/(?<!\d)\d{11,19}(?!\d)/g, "[number]"],
];

export function maskPersonalData(text: string): string {
  let masked = text;
  for (const [pattern, replacement] of maskingRules) masked = masked.replace(pattern, replacement);
  return masked;
}

export function createLogger(level: string = "info", destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 2, sync: false }),
  );
}

export type { Logger };
