/**
 * Markup characters from users and from sources must reach Telegram as text. The real knowledge bot
 * indexes a fixture whose title, link and body hold `<b>`, `&` and `<i>`; the emulator front parses
 * every message like Telegram and refuses anything that is not valid HTML.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestKnowledgeBot } from "../support/test-knowledge-bot.js";
import { createAdapterHarness, type AdapterHarness } from "./support/adapter-harness.js";
import { recordQueries, type RecordingKnowledgeBot } from "./support/recording-knowledge-bot.js";
import { TEST_PUBLIC_BASE_URL } from "./support/real-knowledge-bot.js";
import { startEmulator, type Emulator } from "./support/telegram-emulator.js";
import { parseTelegramHtml } from "./support/telegram-html.js";

const fixtureDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "markup-knowledge");

let emulator: Emulator;
let harness: AdapterHarness;
let knowledge: Awaited<ReturnType<typeof createTestKnowledgeBot>>;
let bot: RecordingKnowledgeBot;

beforeAll(async () => {
  emulator = await startEmulator();
  knowledge = await createTestKnowledgeBot({ knowledgeDir: fixtureDir, publicBaseUrl: TEST_PUBLIC_BASE_URL });
  bot = recordQueries(knowledge.bot);
  harness = createAdapterHarness({ bot, apiRoot: emulator.apiRoot, token: emulator.token });
  await harness.adapter.start();
});

afterAll(async () => {
  await harness?.adapter.stop();
  await emulator?.stop();
  await knowledge?.cleanup();
});

it("answers a question containing <b>& with the source's markup characters shown as text", async () => {
  const question = "门诊报销比例 <b>& 起付线怎么算";
  const client = emulator.client({ chatId: 601, userId: 601, type: "private" });
  await client.sendMessage(client.makeMessage(question));
  const [update] = await emulator.takeBotMessages(601);

  expect(emulator.refusedMessages).toEqual([]);
  const parsed = parseTelegramHtml(update.message.text);
  if (!parsed.ok) throw new Error(parsed.description);
  expect(bot.queries[0].text).toBe(question);
  // Quoted source text and its title keep their characters; nothing became markup.
  expect(parsed.visibleText).toContain("<b>&</b>");
  expect(parsed.visibleText).toMatch(/比例<50% & 起付线>800元/);
  expect(update.message.text).not.toMatch(/<b>&/);
  expect(update.message.text).toContain('href="https://kb.example.org/articles?id=7&amp;lang=zh"');
  const buttons = (update.message.reply_markup as { inline_keyboard: { text: string; url: string }[][] }).inline_keyboard.flat();
  expect(buttons[0].url).toBe("https://kb.example.org/articles?id=7&lang=zh");
});
