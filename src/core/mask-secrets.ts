/**
 * Credentials in text people typed: someone pastes a bot token, an API key or a password into a
 * question, and the question log must not keep it. Two kinds are masked as `[secret]`:
 *   - the values of the secrets the server is configured with (8 characters or more), wherever
 *     they appear;
 *   - anything shaped like a credential: a Telegram bot token (`123456789:AA…`), an `sk-…` key, a
 *     Bearer token, a JWT, an AWS or GitHub or Slack key, and any run of 32 or more base64 or hex
 *     characters that mixes upper case, lower case and digits (or is hex with letters in it): a
 *     random key looks like that, words and numbers do not.
 * Personal data (phone numbers and the like) is mask-personal-data.ts's job; run this first, so a
 * token's digits are not half-masked as a number.
 */

export const SECRET_LABEL = "[secret]";

/** Values shorter than this are not replaced: they would match ordinary words. */
const MIN_SECRET_LENGTH = 8;
const MIN_RANDOM_RUN = 32;

const SHAPES: RegExp[] = [
  // Telegram bot token: the bot's id, a colon, 35 characters.
  /(?<![A-Za-z0-9_-])\d{6,12}:[A-Za-z0-9_-]{30,}/g,
  // OpenAI-style keys (sk-…, sk-proj-…), GitHub tokens, Slack tokens, AWS access key ids.
  /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{16,}/g,
  /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{30,}/g,
  /(?<![A-Za-z0-9_-])xox[abposr]-[A-Za-z0-9-]{10,}/g,
  /(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])/g,
  // A JSON Web Token: three base64url parts, the first an encoded `{"`.
  /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
];
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;
/** Candidate runs for the random-looking rule; each is judged by `looksRandom` (linear, no backtracking). */
const RUN = /[A-Za-z0-9+/_=-]{32,}/g;

function looksRandom(run: string): boolean {
  const core = run.replace(/=+$/, "");
  if (core.length < MIN_RANDOM_RUN) return false;
  if (/^[0-9a-fA-F]+$/.test(core)) return /[a-fA-F]/.test(core);
  return /[A-Z]/.test(core) && /[a-z]/.test(core) && /[0-9]/.test(core);
}

/** `text` with every credential-shaped part replaced by `[secret]`. */
export function maskSecretShapes(text: string): string {
  let masked = text.replace(BEARER, `$1${SECRET_LABEL}`);
  for (const shape of SHAPES) masked = masked.replace(shape, SECRET_LABEL);
  return masked.replace(RUN, (run) => (looksRandom(run) ? SECRET_LABEL : run));
}

/** A masker for the configured secret values (and every credential shape). */
export function createSecretMasker(values: Iterable<string | undefined>): (text: string) => string {
  const forms = new Set<string>();
  for (const value of values) {
    if (!value || value.length < MIN_SECRET_LENGTH) continue;
    forms.add(value);
    forms.add(encodeURIComponent(value));
  }
  // Longest first, so a value is replaced whole before a part of it is.
  const ordered = [...forms].sort((left, right) => right.length - left.length);
  return (text) => {
    let masked = text;
    for (const form of ordered) if (masked.includes(form)) masked = masked.split(form).join(SECRET_LABEL);
    return maskSecretShapes(masked);
  };
}
