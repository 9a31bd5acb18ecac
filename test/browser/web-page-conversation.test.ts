/**
 * A conversation on the web page in real headless Chromium, against the real server and index:
 * a question, then a follow-up that is understood from it (the page keeps the conversation id the
 * API returned and sends it back); 新对话 drops the id, so the same follow-up then stands alone.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";
import { startTestServer, type TestServer } from "../server/support/test-server.js";
import { launchChromium } from "./launch-chromium.js";

const FIRST_QUESTION = "吉林省医保可以在陕西用吗";
const FOLLOW_UP = "那怎么激活";

let server: TestServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1100, height: 900 }, locale: "zh-CN" });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
  await mkdir(path.join(PROJECT_ROOT, "test-output"), { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface Asked {
  request: { question: string; conversationId?: string };
  response: { conversationId?: string; understoodAs?: string; noAnswer: boolean; citations: { title: string }[] };
}

/** Asks on the page and returns what the page sent and what the API answered, once the answer is drawn. */
async function askOnPage(question: string): Promise<Asked> {
  await page.fill("#question", question);
  const answered = page.waitForResponse((response) => response.url().endsWith("/api/ask"));
  await page.click("#ask-button");
  const response = await answered;
  expect(response.status()).toBe(200);
  await page.locator("#answer .answer-text").waitFor();
  const request: Request = response.request();
  return { request: JSON.parse(request.postData() ?? "{}"), response: await response.json() };
}

const conversationIdInTab = () => page.evaluate(() => sessionStorage.getItem("kb-conversation-id"));

/** Each test begins in a tab with no conversation yet, so it stands alone. */
async function openFreshTab(): Promise<void> {
  await page.goto(server.url);
  await page.evaluate(() => sessionStorage.clear());
}

describe("a conversation on the web page", () => {
  it("understands a follow-up from the question before it, and shows how", async () => {
    await openFreshTab();
    const first = await askOnPage(FIRST_QUESTION);
    expect(first.request.conversationId).toBeUndefined();
    expect(first.response.conversationId).toEqual(expect.any(String));
    expect(first.response.noAnswer).toBe(false);
    expect(await conversationIdInTab()).toBe(first.response.conversationId);
    expect(await page.locator("#answer p.understood-as").count()).toBe(0);

    const followUp = await askOnPage(FOLLOW_UP);
    expect(followUp.request.conversationId).toBe(first.response.conversationId);
    expect(followUp.response.conversationId).toBe(first.response.conversationId);
    expect(followUp.response.noAnswer).toBe(false);
    expect(followUp.response.understoodAs).toContain("吉林");
    const understood = page.locator("#answer p.understood-as");
    expect(await understood.textContent()).toBe(REPLY_TEXTS.understoodAs(followUp.response.understoodAs!));
    // The line comes first, above the answer's paragraphs.
    expect(await page.locator("#answer .answer-text p").first().getAttribute("class")).toBe("understood-as");
    expect(await page.textContent("#answer ol.sources")).toContain("吉林");
    await page.screenshot({ path: path.join(PROJECT_ROOT, "test-output", "web-page-follow-up.png"), fullPage: true });
  });

  it("keeps the conversation across a reload of the tab", async () => {
    await openFreshTab();
    const first = await askOnPage(FIRST_QUESTION);
    await page.reload();
    const again = await askOnPage(FOLLOW_UP);
    expect(again.request.conversationId).toBe(first.response.conversationId);
    expect(again.response.understoodAs).toContain("吉林");
  });

  it("新对话 starts over: the id is dropped and the same follow-up stands alone", async () => {
    await openFreshTab();
    const first = await askOnPage(FIRST_QUESTION);
    const button = page.getByRole("button", { name: REPLY_TEXTS.newConversationButton });
    await button.click();
    expect(await conversationIdInTab()).toBeNull();
    expect(await page.locator("#answer").textContent()).toBe("");

    const alone = await askOnPage(FOLLOW_UP);
    expect(alone.request.conversationId).toBeUndefined();
    expect(alone.response.understoodAs).toBeUndefined();
    expect(await page.locator("#answer p.understood-as").count()).toBe(0);
    // A new conversation began: a fresh id, kept for the next follow-up.
    expect(alone.response.conversationId).toEqual(expect.any(String));
    expect(alone.response.conversationId).not.toBe(first.response.conversationId);
    expect(await conversationIdInTab()).toBe(alone.response.conversationId);
    await page.screenshot({ path: path.join(PROJECT_ROOT, "test-output", "web-page-new-conversation.png"), fullPage: true });
  });

  it("ran without script errors", () => {
    expect(pageErrors).toEqual([]);
  });
});
