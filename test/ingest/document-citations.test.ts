/**
 * Documents end to end: a folder of the PDF and PowerPoint fixtures indexed and served. An answer
 * from the PDF cites its page (`/kb/<id>#page-n`), the source page carries the page and slide
 * markers those links open (and the `#chunk-n` anchors), and the original file can be downloaded
 * (SERVE_ORIGINAL_FILES=true), but only a file an indexed source came from.
 */
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";
import { startTestServer, type TestServer } from "../server/support/test-server.js";

const FIXTURES = path.join(PROJECT_ROOT, "test/fixtures/documents");

describe("citations and source pages of paged documents", () => {
  let folder: string;
  let server: TestServer;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), "kb-document-pages-"));
    await copyFile(path.join(FIXTURES, "patient-handbook.pdf"), path.join(folder, "患者手册.pdf"));
    await copyFile(path.join(FIXTURES, "health-talk.pptx"), path.join(folder, "health-talk.pptx"));
    await copyFile(path.join(FIXTURES, "clinic-guide.docx"), path.join(folder, "clinic-guide.docx"));
    await writeFile(
      path.join(folder, "fees.html"),
      "<html><head><title>收费标准</title></head><body><p>门诊收费标准如下。</p><table><tr><th>项目</th><th>价格</th></tr><tr><td>挂号</td><td>5元</td></tr><tr><td>&lt;b&gt;诊查&lt;/b&gt;</td><td>10元</td></tr></table></body></html>",
    );
    // Beside the folder, not in it: must never be served.
    await writeFile(path.join(path.dirname(folder), `${path.basename(folder)}-secret.txt`), "secret");
    server = await startTestServer({ knowledgeDir: folder, environment: { SERVE_ORIGINAL_FILES: "true" } });
  });
  afterAll(async () => {
    await server?.close();
    await rm(folder, { recursive: true, force: true });
    await rm(path.join(path.dirname(folder), `${path.basename(folder)}-secret.txt`), { force: true });
  });

  it("cites the PDF page the answer came from", async () => {
    const answer = await server.bot.answer({ text: "异地就医备案后怎么结算", platform: "web" });
    expect(answer.noAnswer).toBe(false);
    const citation = answer.citations.find((candidate) => candidate.sourceId === "患者手册.pdf");
    expect(citation?.url).toBe(`http://127.0.0.1:3000/kb/${encodeURIComponent("患者手册.pdf")}#page-2`);
  });

  it("shows page and slide markers with the ids citations link to, and keeps the chunk anchors", async () => {
    const pdfPage = await (await fetch(`${server.url}/kb/${encodeURIComponent("患者手册.pdf")}`)).text();
    for (const number of [1, 2, 3]) expect(pdfPage).toContain(`id="page-${number}"`);
    expect(pdfPage).toContain('id="chunk-0"');
    expect(pdfPage).toContain("<h2>第二章 医保报销</h2>");
    expect(pdfPage).toContain(`href="/kb-file/${encodeURIComponent("患者手册.pdf")}"`);
    const deckPage = await (await fetch(`${server.url}/kb/health-talk.pptx`)).text();
    for (const number of [1, 2, 3]) expect(deckPage).toContain(`id="slide-${number}"`);
  });

  it("draws a Word table and an HTML table as tables, their cells escaped", async () => {
    const guide = await (await fetch(`${server.url}/kb/clinic-guide.docx`)).text();
    expect(guide).toContain(
      "<table><thead><tr><th>项目</th><th>地点</th></tr></thead><tbody><tr><td>抽血</td><td>门诊二楼</td></tr><tr><td>CT</td><td>医技楼一楼</td></tr></tbody></table>",
    );
    expect(guide).not.toContain("项目: 抽血");
    const fees = await (await fetch(`${server.url}/kb/fees.html`)).text();
    expect(fees).toContain("<th>项目</th><th>价格</th>");
    expect(fees).toContain("<td>&lt;b&gt;诊查&lt;/b&gt;</td><td>10元</td>");
    expect(fees).toContain("<p>门诊收费标准如下。</p>");
  });

  it("serves the original file with its type and name, and nothing that is not an indexed source", async () => {
    const response = await fetch(`${server.url}/kb-file/${encodeURIComponent("患者手册.pdf")}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pdf");
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="____.pdf"; filename*=UTF-8''${encodeURIComponent("患者手册.pdf")}`);
    expect(
      Buffer.from(await response.arrayBuffer())
        .subarray(0, 5)
        .toString("latin1"),
    ).toBe("%PDF-");
    for (const attempt of [`../${path.basename(folder)}-secret.txt`, "%2e%2e%2Fsecret.txt", "missing.pdf"]) {
      expect((await fetch(`${server.url}/kb-file/${encodeURIComponent(attempt)}`)).status).toBe(404);
    }
  });
});
