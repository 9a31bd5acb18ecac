/**
 * Downloads give only what was indexed. `GET /kb-file/<id>` serves the original of a document
 * source (PDF, Word, slides) and only when SERVE_ORIGINAL_FILES=true; never the file of a table
 * row (an XLSX, CSV or JSONL FAQ row) or of a spreadsheet's sheet: the workbook generated here has
 * a hidden sheet and a column that is never indexed, and not one of its bytes is served. With the
 * setting off (the default) no original is served and no source page links one.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as XLSX from "@e965/xlsx";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";
import { startTestServer, type TestServer } from "../server/support/test-server.js";

const FIXTURES = path.join(PROJECT_ROOT, "test/fixtures/documents");
const DOCUMENTS = ["handbook.pdf", "clinic-guide.docx", "health-talk.pptx"];
const HIDDEN_SALARY = "院长年薪 987654 元";
const UNINDEXED_NOTE = "内部备注：此条勿外传 4242";

/** An FAQ workbook with a column the FAQ reader never indexes, a plain table sheet, and a hidden sheet. */
function hostileWorkbook(): Buffer {
  const workbook = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(
    workbook,
    XLSX.utils.aoa_to_sheet([
      ["question", "answer", "内部备注"],
      ["医保卡丢了怎么办", "携带身份证到医保经办机构挂失并补办。", UNINDEXED_NOTE],
      ["门诊报销比例是多少", "职工门诊报销比例一般为百分之七十。", UNINDEXED_NOTE],
    ]),
    "常见问题",
  );
  XLSX.utils.book_append_sheet(
    workbook,
    XLSX.utils.aoa_to_sheet([
      ["科室", "位置"],
      ["放射科", "医技楼一楼"],
    ]),
    "科室位置",
  );
  XLSX.utils.book_append_sheet(workbook, XLSX.utils.aoa_to_sheet([["备注"], [HIDDEN_SALARY]]), "薪资");
  workbook.Workbook = { Sheets: [{ Hidden: 0 }, { Hidden: 0 }, { Hidden: 1 }] };
  return XLSX.write(workbook, { type: "buffer", bookType: "xlsx" }) as Buffer;
}

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), "kb-original-downloads-"));
  await copyFile(path.join(FIXTURES, "patient-handbook.pdf"), path.join(folder, "handbook.pdf"));
  await copyFile(path.join(FIXTURES, "clinic-guide.docx"), path.join(folder, "clinic-guide.docx"));
  await copyFile(path.join(FIXTURES, "health-talk.pptx"), path.join(folder, "health-talk.pptx"));
  await writeFile(path.join(folder, "workbook.xlsx"), hostileWorkbook());
  await writeFile(path.join(folder, "faq.csv"), `id,question,answer,内部备注\ncsv-1,异地就医怎么备案,在国家医保服务平台上备案。,${UNINDEXED_NOTE}\n`);
  await writeFile(
    path.join(folder, "faq.jsonl"),
    `${JSON.stringify({ id: "jsonl-1", question: "生育津贴怎么领", answer: "由单位向医保部门申领。", note: UNINDEXED_NOTE })}\n`,
  );
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function download(server: TestServer, sourceId: string): Promise<{ status: number; bytes: Buffer }> {
  const response = await fetch(`${server.url}/kb-file/${encodeURIComponent(sourceId)}`);
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

async function sourcePage(server: TestServer, sourceId: string): Promise<string> {
  const response = await fetch(`${server.url}/kb/${encodeURIComponent(sourceId)}`);
  expect(response.status).toBe(200);
  return response.text();
}

function tableSourceIds(server: TestServer): string[] {
  return [...server.bot.current.sources.values()].filter((source) => /\.(xlsx|csv|jsonl)$/.test(source.file)).map((source) => source.sourceId);
}

describe("with SERVE_ORIGINAL_FILES=true", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ knowledgeDir: folder, environment: { SERVE_ORIGINAL_FILES: "true" } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("serves each document source's original, byte for byte, and links it from its page", async () => {
    for (const file of DOCUMENTS) {
      const { status, bytes } = await download(server, file);
      expect(status, file).toBe(200);
      expect(bytes.equals(await readFile(path.join(folder, file))), file).toBe(true);
      expect(await sourcePage(server, file)).toContain(`href="/kb-file/${encodeURIComponent(file)}"`);
    }
  });

  it("serves no byte of a table row's file: not for an XLSX, CSV or JSONL FAQ row, nor a spreadsheet's sheet", async () => {
    const ids = tableSourceIds(server);
    // Two FAQ rows and the plain sheet of the workbook, the CSV row and the JSONL row (the hidden sheet is never indexed).
    expect(ids).toHaveLength(5);
    for (const sourceId of ids) {
      const { status, bytes } = await download(server, sourceId);
      expect(status, sourceId).toBe(404);
      expect(bytes.includes(Buffer.from("PK\u0003\u0004", "latin1")), sourceId).toBe(false);
      expect(bytes.includes(Buffer.from(UNINDEXED_NOTE)), sourceId).toBe(false);
      const page = await sourcePage(server, sourceId);
      expect(page, sourceId).not.toContain("/kb-file/");
      expect(page, sourceId).not.toContain(UNINDEXED_NOTE);
      expect(page, sourceId).not.toContain(HIDDEN_SALARY);
    }
    // Asking for the table file by its own name is no way around: no source is the whole file.
    for (const file of ["workbook.xlsx", "faq.csv", "faq.jsonl"]) expect((await download(server, file)).status, file).toBe(404);
  });
});

describe("with SERVE_ORIGINAL_FILES unset (off by default)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ knowledgeDir: folder });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("serves no original file and links none", async () => {
    for (const sourceId of [...DOCUMENTS, ...tableSourceIds(server)]) {
      expect((await download(server, sourceId)).status, sourceId).toBe(404);
      expect(await sourcePage(server, sourceId), sourceId).not.toContain("/kb-file/");
    }
  });
});
