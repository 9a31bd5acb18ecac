/**
 * Folder hygiene: the same content under two names is indexed once (SOURCE_DUPLICATE naming both),
 * saved web pages lose their site furniture, a file that breaks keeps its last good version
 * serving (SOURCE_STALE) while a deleted one goes, and POST /api/reindex shows warnings too.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { loadKnowledge } from "../../src/ingest/load-knowledge.js";
import { parseHtml } from "../../src/ingest/parse-html.js";
import { startTestServer, TEST_ADMIN_TOKEN } from "../server/support/test-server.js";

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "kb-hygiene-"));
});
afterAll(() => rm(workDir, { recursive: true, force: true }));

async function folderWith(files: Record<string, string | Buffer>): Promise<string> {
  const directory = await mkdtemp(path.join(workDir, "knowledge-"));
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(directory, name), content);
  return directory;
}

const PAGE = `<html><head><title>流感疫苗怎么打 - 健康新闻网</title></head><body><p>每年秋季接种一次流感疫苗。</p></body></html>`;

describe("the same content under two names", () => {
  it("indexes a page saved as .html and .htm once and names both files", async () => {
    const { sources, problems } = await loadKnowledge(await folderWith({ "flu.html": PAGE, "flu.htm": PAGE, "other.md": "# 其他\n\n别的内容。\n" }));
    expect(sources.map((source) => source.file)).toEqual(["flu.htm", "other.md"]);
    expect(problems).toEqual([expect.objectContaining({ severity: "warning", code: "SOURCE_DUPLICATE", file: "flu.html" })]);
    expect(problems[0].message).toContain("flu.htm");
    expect(problems[0].hint).toContain("flu.htm and flu.html");
  });

  it("finds the same text in different markup and whitespace", async () => {
    const reformatted = PAGE.replace("<p>", "\n  <p class='body'>\n    ").replace("</body>", "<script>track()</script></body>");
    const { sources, problems } = await loadKnowledge(await folderWith({ "a.html": PAGE, "b.html": reformatted }));
    expect(sources.map((source) => source.file)).toEqual(["a.html"]);
    expect(problems).toEqual([expect.objectContaining({ code: "SOURCE_DUPLICATE", file: "b.html" })]);
  });

  it("keeps two files whose text differs", async () => {
    const { sources, problems } = await loadKnowledge(await folderWith({ "a.html": PAGE, "b.html": PAGE.replace("秋季", "冬季") }));
    expect(sources).toHaveLength(2);
    expect(problems).toEqual([]);
  });
});

describe("saved web pages (.html)", () => {
  it("trims the site name from the title: ' - 站', '_站', ' | 站', '｜站'", () => {
    const titleOf = (title: string) => parseHtml(`<title>${title}</title><p>正文内容。</p>`, "page.html").sources[0].title;
    expect(titleOf("流感疫苗怎么打 - 健康新闻网")).toBe("流感疫苗怎么打");
    expect(titleOf("高血压饮食指南_某某网")).toBe("高血压饮食指南");
    expect(titleOf("医保报销流程 | 站点")).toBe("医保报销流程");
    expect(titleOf("医保报销流程｜国家医保局")).toBe("医保报销流程");
    expect(titleOf("COVID-19 疫苗问答")).toBe("COVID-19 疫苗问答");
  });

  it("reads the date from article:published_time, meta date or <time>", () => {
    const dateOf = (head: string) => parseHtml(`<html><head>${head}</head><body><p>正文内容。</p></body></html>`, "page.html").sources[0].date;
    expect(dateOf('<meta property="article:published_time" content="2025-03-18T08:00:00+08:00">')).toBe("2025-03-18");
    expect(dateOf('<meta name="date" content="2024/7/5">')).toBe("2024-07-05");
    expect(dateOf('</head><body><time datetime="2023-11-02">11月2日</time>')).toBe("2023-11-02");
    expect(dateOf("")).toBeUndefined();
  });

  it("drops byline lines and keeps tables as 列名: 值 rows", () => {
    const html = `<title>门诊报销</title><article>
      <p>来源：健康新闻网 作者：王明</p><p>编辑：李华</p>
      <p>门诊费用按比例报销。</p>
      <table><caption>报销比例</caption><tr><th>医院级别</th><th>比例</th></tr><tr><td>一级</td><td>70%</td></tr><tr><td>三级</td><td>50%</td></tr></table>
      <p>作者的话很重要，这一句不是署名。</p></article>`;
    const [source] = parseHtml(html, "page.html").sources;
    expect(source.text.split("\n\n")).toEqual([
      "门诊费用按比例报销。",
      "报销比例",
      "医院级别: 一级\n比例: 70%",
      "医院级别: 三级\n比例: 50%",
      "作者的话很重要，这一句不是署名。",
    ]);
  });
});

describe("a file that breaks after it was indexed", () => {
  const embedder = { kind: "local" as const, batchSize: 64 };
  const FAQ = "id,question,answer\nfaq-1,医保卡丢了怎么办,先挂失，再到经办机构补办。\n";

  it("keeps its previous version serving, reported SOURCE_STALE with the parse error; a deleted file is removed", async () => {
    const knowledgeDir = await folderWith({ "faq.csv": FAQ, "page.md": "# 接种\n\n每年秋季接种。\n", "gone.md": "# 将删除\n\n这一页会被删除。\n" });
    const indexDir = path.join(knowledgeDir, "..", `${path.basename(knowledgeDir)}-index`);
    await buildIndex({ knowledgeDir, indexDir, embedder });

    await writeFile(path.join(knowledgeDir, "faq.csv"), "id,question\n");
    await rm(path.join(knowledgeDir, "gone.md"));
    const { summary, problems } = await buildIndex({ knowledgeDir, indexDir, embedder });
    expect(summary.removed).toEqual(["gone.md"]);
    expect(summary.unchanged).toBe(2);
    expect(problems).toEqual([expect.objectContaining({ severity: "error", code: "SOURCE_STALE", file: "faq.csv" })]);
    expect(problems[0].message).toContain("SOURCE_MALFORMED");
    expect(summary.errors.map((error) => error.code)).toEqual(["SOURCE_STALE"]);

    // Fixed again: the new content replaces the kept one, and nothing is stale any more.
    await writeFile(path.join(knowledgeDir, "faq.csv"), FAQ.replace("先挂失", "先打电话挂失"));
    const fixed = await buildIndex({ knowledgeDir, indexDir, embedder });
    expect(fixed.summary.changed).toEqual(["faq-1"]);
    expect(fixed.problems).toEqual([]);
  });

  it("is reported as before when it was never indexed", async () => {
    const knowledgeDir = await folderWith({ "page.md": "# 接种\n\n每年秋季接种。\n" });
    const indexDir = path.join(knowledgeDir, "..", `${path.basename(knowledgeDir)}-index`);
    await buildIndex({ knowledgeDir, indexDir, embedder });
    await writeFile(path.join(knowledgeDir, "faq.csv"), "id,question\n");
    const { problems } = await buildIndex({ knowledgeDir, indexDir, embedder });
    expect(problems.map((problem) => problem.code)).toEqual(["SOURCE_MALFORMED"]);
  });
});

describe("POST /api/reindex", () => {
  it("returns the problems list kb reindex prints, warnings included", async () => {
    const knowledgeDir = await folderWith({ "flu.html": PAGE, "flu.htm": PAGE, "notes.rtf": "{\\rtf1 x}" });
    const server = await startTestServer({ knowledgeDir, environment: { ADMIN_TOKEN: TEST_ADMIN_TOKEN } });
    try {
      const response = await server.post("/api/reindex", {}, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
      expect(response.status).toBe(200);
      const summary = await response.json();
      expect(summary.problems).toEqual([
        expect.objectContaining({ severity: "warning", code: "SOURCE_DUPLICATE", file: "flu.html", hint: expect.any(String) }),
        expect.objectContaining({ severity: "warning", code: "SOURCE_UNSUPPORTED", file: "notes.rtf" }),
      ]);
    } finally {
      await server.close();
    }
  });
});
