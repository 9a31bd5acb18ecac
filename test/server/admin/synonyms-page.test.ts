/**
 * The console's 同义词 page over a real server, SQLite store and knowledge folder: the shipped groups
 * shown read-only, the admin's synonyms.txt in a text box (escaped), saving checked with the index
 * build's own parser (a bad line refused with its number, an oversized file refused, nothing
 * written either way), a good file written at the knowledge folder's root, where the next re-index
 * reads it and does not take it for a source; CSRF and the session as every console form.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseSynonyms, SYNONYM_LIMITS, SYNONYMS_FILE_NAME } from "../../../src/text/synonyms.js";
import { logInToConsole, useAdminTestServer } from "../../support/admin-server.js";

const admin = useAdminTestServer();

const synonymsFile = () => path.join(admin.folders.knowledgeDir, SYNONYMS_FILE_NAME);

async function readSaved(): Promise<string | undefined> {
  return readFile(synonymsFile(), "utf8").catch(() => undefined);
}

function save(session: { cookie: string; csrf?: string }, text: string): Promise<Response> {
  return fetch(`${admin.server.url}/admin/synonyms`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: session.cookie, origin: admin.server.url },
    body: new URLSearchParams({ synonyms: text, ...(session.csrf ? { csrf: session.csrf } : {}) }),
  });
}

/** The documents page's re-index status once no re-index is running. */
async function reindexSettled(cookie: string): Promise<{ running?: unknown; history: { ok: boolean; reason?: string }[] }> {
  for (;;) {
    const status = await (await fetch(`${admin.server.url}/admin/documents/reindex-status`, { headers: { cookie } })).json();
    if (!status.running) return status;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The text box's content as the browser would show it. */
function textareaOf(page: string): string {
  const match = /<textarea id="synonyms-text"[^>]*>([\s\S]*?)<\/textarea>/.exec(page);
  if (!match) throw new Error("no synonyms text box on the page");
  return match[1]!.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"').replaceAll("&#39;", "'").replaceAll("&amp;", "&");
}

describe("the synonyms page", () => {
  it("is linked in the console navigation and shows the shipped groups read-only", async () => {
    const { cookie } = await logInToConsole(admin.server.url);
    const overview = await (await fetch(`${admin.server.url}/admin`, { headers: { cookie } })).text();
    expect(overview).toContain('href="/admin/synonyms"');
    // Votes are counted under the same words as the buttons people press.
    expect(overview).toContain("<th>有用 / 没用</th>");
    const page = await (await fetch(`${admin.server.url}/admin/synonyms`, { headers: { cookie } })).text();
    expect(page).toContain("发烧 / 发热");
    expect(page).toContain("心衰 / 心力衰竭");
    expect(page).toContain('aria-current="page">同义词');
  });

  it("shows the admin's file in the text box, escaped", async () => {
    const hostile = "# </textarea><script>alert(1)</script>\n发烧 发热\n";
    await writeFile(synonymsFile(), hostile);
    const { cookie } = await logInToConsole(admin.server.url);
    const page = await (await fetch(`${admin.server.url}/admin/synonyms`, { headers: { cookie } })).text();
    expect(page).not.toContain("<script>alert(1)");
    expect(textareaOf(page)).toBe(hostile);
  });

  it("refuses a file with a bad line, naming the line, and writes nothing", async () => {
    await writeFile(synonymsFile(), "发烧 发热\n");
    const session = await logInToConsole(admin.server.url);
    const response = await save(session, "# 我的词\n停掉 停止 停保\n单独一个词\n买药/购药\n");
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain("第 3 行");
    expect(page).not.toContain("第 2 行");
    // What was typed stays in the box to be corrected.
    expect(textareaOf(page)).toBe("# 我的词\n停掉 停止 停保\n单独一个词\n买药/购药\n");
    expect(await readSaved()).toBe("发烧 发热\n");
  });

  it("refuses a file over the size limit and writes nothing", async () => {
    await writeFile(synonymsFile(), "发烧 发热\n");
    const session = await logInToConsole(admin.server.url);
    const oversized = "aa bb\n".repeat(Math.ceil(SYNONYM_LIMITS.maxBytes / 6) + 1);
    const response = await save(session, oversized);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(`${SYNONYM_LIMITS.maxBytes} 字节`);
    expect(await readSaved()).toBe("发烧 发热\n");
  });

  it("refuses a save without the session's CSRF token", async () => {
    await writeFile(synonymsFile(), "发烧 发热\n");
    const { cookie } = await logInToConsole(admin.server.url);
    expect((await save({ cookie }, "停掉 停止 停保\n")).status).toBe(403);
    expect(await readSaved()).toBe("发烧 发热\n");
  });

  it("saves a good file at the knowledge folder's root, where the next re-index reads it (not as a source)", async () => {
    const session = await logInToConsole(admin.server.url);
    const text = "# 医保\n停掉 停止 停保\n买药/购药\n";
    const response = await save(session, text);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain("已保存 2 组同义词");
    expect(page).toContain("下一次重新索引");
    expect(page).toContain('action="/admin/synonyms/reindex"');
    expect(await readSaved()).toBe(text);
    expect(parseSynonyms((await readSaved())!).groups).toEqual([
      ["停掉", "停止", "停保"],
      ["买药", "购药"],
    ]);
    // Replaced in one step: no temporary file is left beside it.
    expect((await readdir(admin.folders.knowledgeDir)).filter((name) => name.startsWith("."))).toEqual([]);
    const summary = await admin.server.bot.reindex({ reason: "test" });
    expect(summary.errors.filter((problem) => problem.file === SYNONYMS_FILE_NAME)).toEqual([]);
    expect([...admin.server.bot.current.sources.values()].map((source) => source.file)).not.toContain(SYNONYMS_FILE_NAME);
  });

  it("starts a re-index from the page", async () => {
    const session = await logInToConsole(admin.server.url);
    const response = await fetch(`${admin.server.url}/admin/synonyms/reindex`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: session.cookie, origin: admin.server.url },
      body: new URLSearchParams({ csrf: session.csrf }),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("已开始重新索引");
    // The run is the one the documents page reports; the test waits for its end, so nothing writes the index after it.
    const status = await reindexSettled(session.cookie);
    expect(status.history[0]).toMatchObject({ ok: true, reason: "同义词" });
  });
});
