/**
 * The web page in real headless Chromium (Debian's chromium driven by playwright-core): ask the
 * seed question, see the cited answer with the disclaimer, follow [1] to the highlighted source
 * passage; ask the 五指山 question and see no disclaimer; no hit-testing view (it is in the admin console).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MEDICAL_DISCLAIMER } from "../../src/core/medical-disclaimer.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";
import { startTestServer, TEST_PUBLIC_BASE_URL, type TestServer } from "../server/support/test-server.js";
import { launchChromium } from "./launch-chromium.js";

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
    // The 413 of the too-long question is expected; anything else logged as an error is not.
    if (message.type() === "error" && !message.text().includes("status of 413")) pageErrors.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function askOnPage(question: string): Promise<void> {
  await page.fill("#question", question);
  const answered = page.waitForResponse((response) => response.url().endsWith("/api/ask"));
  await page.click("#ask-button");
  expect((await answered).status()).toBe(200);
  await page.locator("#answer .answer-text").waitFor();
}

describe("web page in Chromium", () => {
  it("shows the seed answer with citations and the disclaimer, and [1] opens the highlighted source passage", async () => {
    await page.goto(server.url);
    await expect.poll(() => page.textContent("#index-status")).toContain(server.bot.current.version);
    await askOnPage("亲情账户和家庭共济账户有什么区别");

    const disclaimer = page.locator("#answer p.disclaimer");
    await expect.poll(() => disclaimer.textContent()).toBe(MEDICAL_DISCLAIMER);
    await expect.poll(() => page.locator("#answer ol.sources li").count()).toBeGreaterThan(0);
    expect(await page.locator("#answer ol.sources li").first().textContent()).toContain("职工医保亲情账户和共济账户区别");
    expect(await page.locator("#answer .related button").count()).toBeGreaterThan(0);

    await mkdir(path.join(PROJECT_ROOT, "test-output"), { recursive: true });
    await page.screenshot({ path: path.join(PROJECT_ROOT, "test-output", "web-page-answer.png"), fullPage: true });

    const citation = page.locator("#answer a.cite", { hasText: "[1]" }).first();
    const href = await citation.getAttribute("href");
    expect(href).toMatch(/^\/kb\/000_9de61d0cf05b51f0\.txt#chunk-\d+$/);
    await Promise.all([page.waitForURL(/\/kb\/000_9de61d0cf05b51f0\.txt#chunk-\d+$/), citation.click()]);

    expect(await page.locator("article h1").textContent()).toBe("职工医保亲情账户和共济账户区别");
    const anchor = new URL(page.url()).hash.slice(1);
    const target = page.locator(`#${anchor}`);
    expect(await target.evaluate((element) => element.matches(":target"))).toBe(true);
    const highlighted = await target.evaluate((element) => getComputedStyle(element).backgroundColor);
    const plain = await page
      .locator("section.chunk:not(:target)")
      .first()
      .evaluate((element) => getComputedStyle(element).backgroundColor);
    expect(highlighted).not.toBe(plain);
    expect(highlighted).not.toBe("rgba(0, 0, 0, 0)");
    await page.screenshot({ path: path.join(PROJECT_ROOT, "test-output", "source-page.png") });
  });

  it("answers the 五指山 question without the disclaimer, and related questions ask themselves", async () => {
    await page.goto(server.url);
    await askOnPage("五指山在哪个省");
    expect(await page.textContent("#answer .answer-text")).toContain("海南");
    expect(await page.locator("#answer p.disclaimer").count()).toBe(0);
    expect(await page.textContent("#answer")).not.toContain(MEDICAL_DISCLAIMER);

    const related = page.locator("#answer .related button").first();
    const title = (await related.textContent())!;
    const asked = page.waitForRequest((request) => request.url().endsWith("/api/ask") && JSON.parse(request.postData() ?? "{}").question === title);
    await related.click();
    await asked;
    await expect.poll(() => page.inputValue("#question")).toBe(title);
  });

  it("shows a clear message for a question that is too long", async () => {
    await page.goto(server.url);
    await page.evaluate(() => document.getElementById("question")!.removeAttribute("maxlength"));
    await page.fill("#question", "问".repeat(server.config.maxQuestionChars + 1));
    await page.click("#ask-button");
    await expect.poll(() => page.textContent("#answer .error")).toContain(String(server.config.maxQuestionChars));
  });

  it("has no hit-testing view: it moved to the admin console (test/browser/admin-console.test.ts)", async () => {
    await page.goto(server.url);
    expect(await page.locator("#hit-testing, #search-form, #hits").count()).toBe(0);
  });

  it("draws the answer's structure, never its text: paragraphs with linked markers, the flag's disclaimer, the understood question", async () => {
    const crafted = {
      // Deliberately unlike the paragraphs: the page must not read it.
      text: "TEXT-NOT-RENDERED [7]",
      paragraphs: [
        { text: "第一段<b>不是标记</b>。", citations: [1, 2] },
        { text: "第二段。", citations: [2] },
      ],
      citations: [
        { n: 1, sourceId: "a.md", title: "来源甲", url: `${TEST_PUBLIC_BASE_URL}/kb/a.md#chunk-0` },
        { n: 2, sourceId: "b.md", title: "来源乙", url: "https://example.org/b" },
      ],
      disclaimer: true,
      noAnswer: false,
      related: [{ sourceId: "c.md", title: "相关的问题", url: `${TEST_PUBLIC_BASE_URL}/kb/c.md` }],
      passages: [],
      understoodAs: "吉林省农保卡可以跨市使用么",
    };
    await page.route("**/api/ask", (route) => route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(crafted) }));
    try {
      await page.goto(server.url);
      await askOnPage("那吉林呢？");
      const paragraphs = page.locator("#answer .answer-text p");
      expect(await paragraphs.allTextContents()).toEqual([
        REPLY_TEXTS.understoodAs("吉林省农保卡可以跨市使用么"),
        "第一段<b>不是标记</b>。[1][2]",
        "第二段。[2]",
        MEDICAL_DISCLAIMER,
      ]);
      expect(await page.locator("#answer .answer-text p.understood-as").count()).toBe(1);
      expect(await page.locator("#answer .answer-text b").count()).toBe(0);
      expect(await page.locator("#answer a.cite").evaluateAll((links) => links.map((link) => link.getAttribute("href")))).toEqual([
        "/kb/a.md#chunk-0",
        "https://example.org/b",
        "https://example.org/b",
      ]);
      expect(await page.locator("#answer h2").allTextContents()).toEqual([REPLY_TEXTS.sourcesHeading, REPLY_TEXTS.relatedHeading]);
      expect(await page.textContent("#answer")).not.toContain("TEXT-NOT-RENDERED");
    } finally {
      await page.unroute("**/api/ask");
    }
  });

  it("ran without script errors", () => {
    expect(pageErrors).toEqual([]);
  });
});
