import { describe, expect, it } from "vitest";
import { createTelegramAdapter } from "../../adapters/telegram/index.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/core/logger.js";
import { createScriptedKnowledgeBot, longAnswer } from "../support/scripted-knowledge-bot.js";

const bot = createScriptedKnowledgeBot(() => longAnswer(1, 10));
const logger = createLogger("silent");

describe("createTelegramAdapter", () => {
  it("refuses to start without a token, saying which variable to set", () => {
    let caught: unknown;
    try {
      createTelegramAdapter({ bot, config: loadConfig({}), logger });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: "CONFIG_INVALID" });
    expect(String((caught as { hint: string }).hint)).toContain("TELEGRAM_BOT_TOKEN");
  });

  it("offers a webhook route only in webhook mode", () => {
    const polling = createTelegramAdapter({ bot, config: loadConfig({ TELEGRAM_BOT_TOKEN: "1:a" }), logger });
    expect(polling.name).toBe("telegram");
    expect(polling.mount).toBeUndefined();
    const webhook = createTelegramAdapter({
      bot,
      config: loadConfig({ TELEGRAM_BOT_TOKEN: "1:a", TELEGRAM_WEBHOOK_URL: "https://bot.example.org/telegram/hook" }),
      logger,
    });
    expect(webhook.mount).toBeTypeOf("function");
  });
});
