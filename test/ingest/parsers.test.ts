import { mkdtemp, mkdir, writeFile, copyFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { loadKnowledge } from "../../src/ingest/load-knowledge.js";
import { parseTextPage } from "../../src/ingest/parse-text-page.js";
import { SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";
import { readFileSync } from "node:fs";

const SEED_FILE = "000_9de61d0cf05b51f0.txt";

async function folderWith(files: Record<string, string | Buffer>): Promise<string> {
  const directory = await mkdtemp(path.join(os.tmpdir(), "kb-knowledge-"));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(directory, name)), { recursive: true });
    await writeFile(path.join(directory, name), content);
  }
  return directory;
}

describe("seed page layout (.txt)", () => {
  const text = readFileSync(path.join(SEED_KNOWLEDGE_DIR, SEED_FILE), "utf8");
  const { sources, problems } = parseTextPage(text, SEED_FILE);

  it("reads the title, sub-title, body and the disclaimer marker", () => {
    expect(problems).toEqual([]);
    const page = sources[0];
    expect(page.sourceId).toBe(SEED_FILE);
    expect(page.title).toBe("职工医保亲情账户和共济账户区别");
    expect(page.kind).toBe("page");
    expect(page.disclaimer).toBe(true);
    expect(page.tags).toEqual(["电子凭证共享与资金划拨"]);
    expect(page.text).toContain("两者核心区别在于");
    expect(page.text).not.toContain("本内容不能代替面诊");
    expect(page.text).not.toContain("相关推荐");
  });

  it("turns every 相关推荐 item into its own excerpt source with category and date", () => {
    const related = sources.filter((source) => source.kind === "excerpt");
    // The seed page lists 20 related items, each closed by a `健康新闻 2025-03-18` line.
    expect(related).toHaveLength(20);
    expect(related[0]).toMatchObject({
      sourceId: `${SEED_FILE}#related-1`,
      title: "吉林省医保可以在陕西用吗",
      category: "健康新闻",
      date: "2025-03-18",
      disclaimer: false,
    });
    expect(related[3].title).toBe("五指山在哪个省黄山在哪个省");
    expect(related[3].text).toMatch(/^五指山和黄山分别位于/);
    expect(related[19].title).toBe("福建省医保家庭共济使用范围");
    expect(new Set(sources.map((source) => source.contentHash)).size).toBe(sources.length);
  });

  it("reports an item not closed by a category/date line, with its line", () => {
    const broken = parseTextPage("标题\n\n正文。\n\n相关推荐\n\n条目一\n\n摘要一\n\n健康新闻 2025-03-18\n\n条目二\n\n摘要二\n", "a.txt");
    expect(broken.sources.map((source) => source.sourceId)).toEqual(["a.txt", "a.txt#related-1"]);
    expect(broken.problems).toEqual([expect.objectContaining({ code: "SOURCE_MALFORMED", line: 13, file: "a.txt" })]);
  });
});

describe("loadKnowledge", () => {
  it("reads Markdown with front matter, HTML, CSV and JSONL recursively", async () => {
    const directory = await folderWith({
      "guide.md":
        "---\ntitle: 报销指南\nurl: https://example.org/guide\ncategory: 医保\ndate: 2025-03-18\ntags: [医保, 报销]\ndisclaimer: true\n---\n# 标题\n\n门诊费用可以报销。[链接](https://x.org)\n",
      "nested/page.html":
        "<html><head><title>挂号须知</title><link rel=canonical href=https://example.org/reg></head><body><nav>菜单</nav><main><h1>挂号须知</h1><p>请提前预约。</p><ul><li>带上身份证。</li></ul><script>x()</script></main></body></html>",
      "faq.csv": 'id,question,answer,department,url\nq1,感冒了怎么办,"多喝水，注意休息。",内科,https://example.org/q1\n,发烧吃什么药,退烧药。,内科,\n',
      "more.jsonl":
        '{"问题":"头疼怎么办","答案":"休息。","id":"j1"}\n{"title":"咳嗽","answer":"多喝水。"}\n{"id":"a1","question":"宝宝湿疹怎么护理","answer":"保持皮肤湿润。","title":"婴儿湿疹的日常护理"}\n',
    });
    const { sources, problems } = await loadKnowledge(directory);
    expect(problems).toEqual([]);
    const byId = new Map(sources.map((source) => [source.sourceId, source]));
    expect(byId.get("guide.md")).toMatchObject({
      title: "报销指南",
      url: "https://example.org/guide",
      category: "医保",
      date: "2025-03-18",
      tags: ["医保", "报销"],
      disclaimer: true,
      kind: "markdown",
    });
    expect(byId.get("guide.md")!.text).toContain("门诊费用可以报销。链接");
    expect(byId.get("nested/page.html")).toMatchObject({ title: "挂号须知", url: "https://example.org/reg", kind: "html" });
    expect(byId.get("nested/page.html")!.text).toBe("请提前预约。\n\n带上身份证。");
    expect(byId.get("q1")).toMatchObject({
      title: "感冒了怎么办",
      question: "感冒了怎么办",
      text: "多喝水，注意休息。",
      category: "内科",
      url: "https://example.org/q1",
    });
    expect(byId.get("faq.csv#row-2")).toMatchObject({ title: "发烧吃什么药", text: "退烧药。" });
    expect(byId.get("j1")).toMatchObject({ title: "头疼怎么办", text: "休息。" });
    expect(byId.get("more.jsonl#row-2")).toMatchObject({ title: "咳嗽" });
    // A title column beside the question column (as the console writes an admin's answer) titles the row.
    expect(byId.get("a1")).toMatchObject({ title: "婴儿湿疹的日常护理", question: "宝宝湿疹怎么护理" });
  });

  it("reports CSV rows with broken quoting or the wrong number of fields by line, and keeps the other rows", async () => {
    const directory = await folderWith({
      "faq.csv":
        "\uFEFFid,question,answer\n" + 'c1,多行答案,"第一行；\n第二行，含逗号"\n' + "c2,少一列\n" + "c3,正常问题,正常答案。\n" + "\n" + 'c4,坏引号,"没有结束\n',
    });
    const { sources, problems } = await loadKnowledge(directory);
    expect(sources.map((source) => source.sourceId)).toEqual(["c1", "c3"]);
    expect(sources[0].text).toContain("第一行；\n第二行，含逗号");
    expect(problems).toEqual([
      expect.objectContaining({ code: "SOURCE_MALFORMED", file: "faq.csv", line: 4, message: expect.stringMatching(/row 2 has 2 fields, the header has 3/) }),
      expect.objectContaining({ code: "SOURCE_MALFORMED", file: "faq.csv", line: 7, message: expect.stringMatching(/CSV cannot be parsed/) }),
    ]);
  });

  it("reports bad files with file and line and still loads the rest", async () => {
    const directory = await folderWith({
      "good.md": "# 好的\n\n内容。\n",
      "empty.md": "   \n",
      "bad-front.md": "---\ntitle: [unclosed\n---\n正文\n",
      "no-answer.csv": "id,question,reply\n1,问题,回答\n",
      "bad-rows.jsonl": '{"question":"a","answer":"b","id":"x"}\nnot json\n{"question":"c","answer":"d","id":"x"}\n',
      "bytes.txt": Buffer.from([0xff, 0xfe, 0x00, 0x41, 0xc3, 0x28]),
      "image.png": Buffer.from([1, 2, 3]),
      "notes.rtf": "{\\rtf1 text}",
    });
    const { sources, problems } = await loadKnowledge(directory);
    expect(sources.map((source) => source.sourceId).sort()).toEqual(["good.md", "x"]);
    const find = (file: string) => problems.filter((problem) => problem.file === file);
    expect(find("empty.md")).toEqual([expect.objectContaining({ code: "SOURCE_EMPTY", severity: "error" })]);
    expect(find("bad-front.md")).toEqual([expect.objectContaining({ code: "SOURCE_MALFORMED", line: expect.any(Number) })]);
    expect(find("bad-front.md")[0].message).toMatch(/front matter/);
    expect(find("no-answer.csv")).toEqual([expect.objectContaining({ code: "SOURCE_MALFORMED", line: 1 })]);
    expect(find("no-answer.csv")[0].message).toMatch(/no answer column/);
    expect(find("bad-rows.jsonl")).toEqual([
      expect.objectContaining({ code: "SOURCE_MALFORMED", line: 2 }),
      expect.objectContaining({ code: "SOURCE_DUPLICATE_ID" }),
    ]);
    expect(find("bytes.txt")).toEqual([expect.objectContaining({ code: "SOURCE_ENCODING", severity: "error" })]);
    // .png is read by OCR now; three bytes that are no image are refused before any OCR runs.
    expect(find("image.png")).toEqual([expect.objectContaining({ code: "SOURCE_MALFORMED", severity: "error" })]);
    expect(find("notes.rtf")).toEqual([expect.objectContaining({ code: "SOURCE_UNSUPPORTED", severity: "warning" })]);
  });

  it("detects GB18030 files, decodes them and warns", async () => {
    const csv = "id,question,answer\ng1,高血压患者能吃党参吗,可以适量食用党参。\n";
    const directory = await folderWith({ "gb.csv": iconv.encode(csv, "gb18030") });
    const { sources, problems } = await loadKnowledge(directory);
    expect(sources).toEqual([expect.objectContaining({ sourceId: "g1", title: "高血压患者能吃党参吗", text: "可以适量食用党参。" })]);
    expect(problems).toEqual([expect.objectContaining({ code: "SOURCE_ENCODING", severity: "warning", file: "gb.csv" })]);
  });

  it("fails clearly when the folder does not exist", async () => {
    await expect(loadKnowledge("/nonexistent/knowledge")).rejects.toMatchObject({ code: "KNOWLEDGE_DIR_MISSING" });
  });

  it("keeps sourceIds stable across runs and file order", async () => {
    const directory = await folderWith({ [SEED_FILE]: readFileSync(path.join(SEED_KNOWLEDGE_DIR, SEED_FILE)) });
    const first = await loadKnowledge(directory);
    await copyFile(path.join(directory, SEED_FILE), path.join(directory, "copy-later.md.bak"));
    const second = await loadKnowledge(directory);
    expect(second.sources.map((source) => [source.sourceId, source.contentHash])).toEqual(first.sources.map((source) => [source.sourceId, source.contentHash]));
  });
});
