/**
 * Telegram rejects a whole message (BUTTON_URL_INVALID) when one button URL is not to its liking,
 * and hosts without a dot such as `localhost` are the usual culprit in development setups.
 */

/** True for http(s) URLs whose host has a dot, the kind Telegram accepts in buttons and links. */
export function isTelegramLinkable(url: string | undefined): url is string {
  if (!url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return false;
  const host = parsed.hostname;
  return host.includes(".") && !host.startsWith(".") && !host.endsWith(".");
}
