/**
 * Tesseract as a separate process: Debian's `tesseract` CLI reading an image from stdin. It is run
 * with execFile (no shell, arguments as a list), bounded by a timeout that kills it, so an image
 * that makes OCR crawl stops the file, never the build.
 */
import { execFile } from "node:child_process";

/** The command run when no other is configured: Debian's `tesseract-ocr` package installs it on PATH. */
export const DEFAULT_TESSERACT_COMMAND = "tesseract";

/** How long `tesseract --list-langs` may take; it only reads a directory. */
const DETECT_TIMEOUT_MS = 10_000;
/** Recognised text larger than this is a broken run, not a page. */
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

export type TesseractAvailability = { available: true } | { available: false; reason: string; packages: string[] };

const detections = new Map<string, Promise<TesseractAvailability>>();

/** Debian's package for one Tesseract language: `chi_sim` is in `tesseract-ocr-chi-sim`. */
export function languagePackage(language: string): string {
  return `tesseract-ocr-${language.toLowerCase().replace(/_/g, "-")}`;
}

/**
 * Whether `command` runs and has every language of `languages` (`chi_sim+eng`). Asked once per
 * command and language set per process, since a build may OCR many pages.
 */
export function detectTesseract(command: string, languages: string): Promise<TesseractAvailability> {
  const key = `${command}\u0000${languages}`;
  let detection = detections.get(key);
  if (!detection) {
    detection = runDetection(command, languages);
    detections.set(key, detection);
  }
  return detection;
}

async function runDetection(command: string, languages: string): Promise<TesseractAvailability> {
  const wanted = languages.split("+").filter((language) => language !== "");
  const allPackages = ["tesseract-ocr", ...wanted.filter((language) => language !== "eng").map(languagePackage)];
  let listing: string;
  try {
    listing = await run(command, ["--list-langs"], { timeoutMs: DETECT_TIMEOUT_MS });
  } catch (error) {
    return { available: false, reason: `Tesseract (${command}) cannot be run: ${(error as Error).message}`, packages: allPackages };
  }
  // The first line names the data directory; the rest are one language each.
  const installed = new Set(
    listing
      .split(/\r?\n/)
      .slice(1)
      .map((line) => line.trim()),
  );
  const missing = wanted.filter((language) => !installed.has(language));
  if (missing.length > 0) {
    return { available: false, reason: `Tesseract has no language data for ${missing.join(", ")}`, packages: missing.map(languagePackage) };
  }
  return { available: true };
}

export interface RecognizeOptions {
  command: string;
  languages: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Thrown when the run was killed at `timeoutMs`, so callers can report the time limit, not a crash. */
export class OcrTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`OCR took longer than ${timeoutMs} ms and was stopped`);
    this.name = "OcrTimeoutError";
  }
}

/** The text Tesseract reads from a PNG or JPEG image given as bytes. */
export function recognizeImage(image: Buffer, options: RecognizeOptions): Promise<string> {
  // `stdin stdout`: no temporary files; `--psm 3` is Tesseract's automatic page layout.
  return run(options.command, ["stdin", "stdout", "-l", options.languages, "--psm", "3"], { ...options, input: image });
}

function run(command: string, args: string[], options: { timeoutMs: number; signal?: AbortSignal; input?: Buffer }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      {
        timeout: options.timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: MAX_OUTPUT_BYTES,
        encoding: "utf8",
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const killed = (error as { killed?: boolean }).killed === true;
        if (killed && !options.signal?.aborted) return reject(new OcrTimeoutError(options.timeoutMs));
        const detail = stderr.trim().split(/\r?\n/).slice(-2).join(" ");
        reject(new Error(detail !== "" ? detail : error.message, { cause: error }));
      },
    );
    if (options.input) {
      // A child that exits early closes its stdin; that shows up in the exit callback, not here.
      child.stdin?.on("error", () => undefined);
      child.stdin?.end(options.input);
    } else {
      child.stdin?.end();
    }
  });
}
