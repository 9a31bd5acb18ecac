/**
 * The admin loop in real Chromium: a question the public page cannot answer (asked twice, in two
 * wordings, one answer voted down) shows in the console's queue with its count; the admin answers
 * it there and sees the bot's new answer; the public page then answers it citing the new entry.
 * After a server restart on the same folders the log, the vote, the answer and even the console
 * session are still there. Every console page is checked at 375 px for horizontal overflow.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";
import { ADMIN_TEST_TOKEN, type AdminTestFolders, type AdminTestServer, createAdminTestFolders, startAdminTestServer } from "../support/admin-server.js";
import { launchChromium } from "./launch-chromium.js";

const QUESTION = "宝宝湿疹怎么护理";
const ADMIN_ANSWER = "宝宝湿疹护理要点：保持皮肤清洁湿润，洗澡水温不宜过高，洗后及时涂抹保湿霜，衣物选择纯棉透气的，严重时请就医。";
/** The title the admin types for the answer: kept as the entry's title, shown wherever the console names the source. */
const ADMIN_TITLE = "婴儿湿疹的日常护理";
const OUTPUT_DIR = path.join(PROJECT_ROOT, "test-output");

let folders: AdminTestFolders;
let server: AdminTestServer;
let browser: Browser;
let publicPage: Page;
let adminContext: BrowserContext;
let admin: Page;
const pageErrors: string[] = [];

function watchErrors(page: Page): void {
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
}

beforeAll(async () => {
  folders = await createAdminTestFolders();
  server = await startAdminTestServer(folders);
  browser = await launchChromium();
  publicPage = await browser.newPage({ viewport: { width: 1000, height: 900 }, locale: "zh-CN" });
  adminContext = await browser.newContext({ viewport: { width: 375, height: 800 }, locale: "zh-CN" });
  admin = await adminContext.newPage();
  watchErrors(publicPage);
  watchErrors(admin);
  await mkdir(OUTPUT_DIR, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await folders?.remove();
});

/** Asks on the public page in a fresh conversation; returns the /api/ask JSON. */
async function askPublicly(question: string): Promise<{ answerId: string; noAnswer: boolean; citations: { sourceId: string; title: string }[] }> {
  await publicPage.goto(server.url);
  await publicPage.fill("#question", question);
  const answered = publicPage.waitForResponse((response) => response.url().endsWith("/api/ask"));
  await publicPage.click("#ask-button");
  const response = await answered;
  expect(response.status()).toBe(200);
  await publicPage.locator("#answer .answer-text").waitFor();
  return response.json();
}

/** The page is no wider than the 375 px viewport: nothing needs sideways scrolling. */
async function expectNoHorizontalOverflow(page: Page, name: string): Promise<void> {
  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(widths.scroll, name).toBeLessThanOrEqual(widths.client);
  await page.screenshot({ path: path.join(OUTPUT_DIR, `admin-${name}-375.png`), fullPage: true });
}

describe("the admin loop in Chromium", () => {
  it("an unanswered question reaches the queue with its count; answered there, the public page cites the new entry", async () => {
    const first = await askPublicly(QUESTION);
    expect(first.noAnswer).toBe(true);
    expect(await publicPage.locator("#answer .no-answer").count()).toBeGreaterThan(0);
    const second = await askPublicly(`${QUESTION}？`);
    expect(second.noAnswer).toBe(true);
    // The vote buttons carry words beside the emoji, for fonts without emoji; 没用 records the vote.
    expect(await publicPage.locator("#answer .feedback button").allTextContents()).toEqual(["👍 有用", "👎 没用"]);
    const voted = publicPage.waitForResponse((response) => response.url().endsWith("/api/feedback"));
    await publicPage.click("#answer .feedback button[title='没用']");
    const vote = await voted;
    expect(vote.status()).toBe(200);
    expect(JSON.parse(vote.request().postData() ?? "{}")).toMatchObject({ answerId: second.answerId, rating: "down" });
    await publicPage.locator("#answer .feedback-status", { hasText: "谢谢反馈" }).waitFor();

    await admin.goto(`${server.url}/admin`);
    expect(new URL(admin.url()).pathname).toBe("/admin/login");
    await expectNoHorizontalOverflow(admin, "login");
    await admin.fill("#token", ADMIN_TEST_TOKEN);
    await Promise.all([admin.waitForURL(`${server.url}/admin`), admin.click("#login-button")]);
    // The chart library comes from this server and draws.
    await admin.locator("#chart-asked .uplot canvas").waitFor();
    expect(await admin.textContent("#asked-total")).toBe("2");
    await expectNoHorizontalOverflow(admin, "overview");

    await admin.goto(`${server.url}/admin/queue`);
    const entry = admin.locator("#unanswered .question", { hasText: QUESTION }).first();
    expect(await entry.locator(".count").textContent()).toBe("2");
    expect(await admin.locator("#downvoted .question", { hasText: QUESTION }).count()).toBe(1);
    await expectNoHorizontalOverflow(admin, "queue");
    await entry.getByRole("button", { name: "回答这个问题" }).click();
    await entry.locator("textarea").fill(ADMIN_ANSWER);
    await entry.locator("input[name=title]").fill(ADMIN_TITLE);
    await entry.getByRole("button", { name: "保存并重新索引" }).click();
    const preview = entry.locator(".preview");
    await preview.locator(".notice").waitFor({ timeout: 30_000 });
    expect(await preview.textContent()).toContain("保持皮肤清洁湿润");
    expect(await preview.locator("li.new-entry").count()).toBe(1);
    // The typed title names the new entry; its id shows on hover.
    const newEntry = preview.locator("li.new-entry a");
    expect(await newEntry.textContent()).toBe(ADMIN_TITLE);
    const newId = await newEntry.getAttribute("title");
    expect(newId).toMatch(/^admin-answer-/);
    expect(await preview.locator(".notice .saved-title").textContent()).toBe(ADMIN_TITLE);
    expect(await preview.locator(".notice .saved-title").getAttribute("title")).toBe(newId);
    await expectNoHorizontalOverflow(admin, "queue-answered");

    const answered = await askPublicly(QUESTION);
    expect(answered.noAnswer).toBe(false);
    expect(answered.citations[0].sourceId).toMatch(/^admin-answer-/);
    expect(answered.citations[0].title).toBe(ADMIN_TITLE);
    expect(await publicPage.locator("#answer .answer-text").textContent()).toContain("保持皮肤清洁湿润");
    const cited = await publicPage.locator("#answer ol.sources a").first().getAttribute("href");
    expect(cited).toContain(encodeURIComponent(answered.citations[0].sourceId));
  });

  it("hit testing and the documents page work in the console at 375 px", async () => {
    await admin.goto(`${server.url}/admin/hit-testing`);
    await admin.fill("#search-question", "医保共济");
    await admin.fill("#search-limit", "3");
    await admin.click("#search-button");
    await admin.locator("#hits .hit").first().waitFor();
    expect(await admin.locator("#hits .hit").count()).toBe(3);
    // Each hit is named by its title, with its source id on hover.
    for (const link of await admin.locator("#hits .hit a").all()) {
      expect(await link.getAttribute("title")).toBe(decodeURIComponent((await link.getAttribute("href"))!.slice("/kb/".length)));
      expect(await link.textContent()).not.toBe(await link.getAttribute("title"));
    }
    expect(await admin.textContent("#hits .confidence")).toMatch(/关键词覆盖率 \d\.\d{3}/);
    // Hit testing shows the question's subject words and where each was found.
    expect(await admin.textContent("#hits .subjects")).toMatch(/问题主题词：.*共济（第一条资料里有）/);
    // On this small folder each of the best sources shows the answer model's probability.
    expect(await admin.locator("#hits .hit .score").first().textContent()).toMatch(/回答概率 \d+%/);
    await expectNoHorizontalOverflow(admin, "hit-testing");

    await admin.goto(`${server.url}/admin/documents`);
    expect(await admin.locator("#files-table tbody tr", { hasText: "admin-answers.jsonl" }).count()).toBe(1);
    await admin.click("#reindex-button");
    await expect.poll(() => admin.locator("#history-rows tr").count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => admin.textContent("#reindex-progress"), { timeout: 30_000 }).toBe("");
    // The duration in human units, not raw milliseconds.
    expect(await admin.locator("#history-rows tr").first().textContent()).toMatch(/用时 (\d+ 毫秒|\d+(\.\d)? 秒|\d+ 分( \d+ 秒)?)/);
    expect(await admin.locator("#history-rows tr").first().textContent()).not.toMatch(/\d ms/);
    await expectNoHorizontalOverflow(admin, "documents");
  });

  it("after a restart the log, the vote, the new answer and the console session are still there", async () => {
    await server.close();
    server = await startAdminTestServer(folders);
    const all = await server.store.listQuestions({ filter: "all", days: 1 });
    expect(all.find((group) => group.text.startsWith(QUESTION))).toMatchObject({ count: 3, downvotes: 1, noAnswer: false });

    // Same cookie, new process: the session lives in the state store.
    await admin.goto(`${server.url}/admin/queue`);
    expect(new URL(admin.url()).pathname).toBe("/admin/queue");
    expect(await admin.locator("#downvoted .question", { hasText: QUESTION }).locator(".count").textContent()).toBe("3");
    // The source the question now cites is named by the admin's title, its id on hover.
    const cited = admin.locator("#downvoted .question", { hasText: QUESTION }).locator(".source-name");
    expect(await cited.textContent()).toBe(ADMIN_TITLE);
    expect(await cited.getAttribute("title")).toMatch(/^admin-answer-/);
    await admin.goto(`${server.url}/admin`);
    const topSource = admin.locator("#top-sources a", { hasText: ADMIN_TITLE });
    expect(await topSource.getAttribute("title")).toMatch(/^admin-answer-/);
    for (const link of await admin.locator("#top-sources a").all()) expect(await link.getAttribute("title")).not.toBe(await link.textContent());

    const answered = await askPublicly(QUESTION);
    expect(answered.noAnswer).toBe(false);
    expect(answered.citations[0].sourceId).toMatch(/^admin-answer-/);
    expect(pageErrors).toEqual([]);
  });
});
