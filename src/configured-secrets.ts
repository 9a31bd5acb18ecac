/**
 * Every credential the configuration holds, for the logger to scrub by value. It lives beside
 * src/config.ts, with the entry points that build the logger, because only this level may know the
 * whole configuration (the platforms' settings included); the logger in src/core/ takes plain values.
 */
import type { AppConfig } from "./config.js";

export function configuredSecrets(config: AppConfig): string[] {
  const values = [
    config.adminToken,
    config.embedder.apiKey,
    config.chatModel?.apiKey,
    config.telegram?.botToken,
    config.telegram?.botToken.split(":")[1],
    config.telegram?.webhookSecret,
    config.wecom?.bot?.token,
    config.wecom?.bot?.encodingAesKey,
    config.wecom?.longConnection?.secret,
    config.wecom?.app?.secret,
    config.wecom?.app?.token,
    config.wecom?.app?.encodingAesKey,
    config.wecom?.webhookKey,
    config.databaseUrl,
    databasePassword(config.databaseUrl),
  ];
  return values.filter((value): value is string => typeof value === "string");
}

/** The password inside a postgres:// URL, so it is scrubbed even where the URL is quoted in parts. */
function databasePassword(databaseUrl: string | undefined): string | undefined {
  if (!databaseUrl) return undefined;
  try {
    const password = decodeURIComponent(new URL(databaseUrl).password);
    return password.length >= 4 ? password : undefined;
  } catch {
    return undefined;
  }
}
