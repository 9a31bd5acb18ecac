/**
 * A changed CSV table parses only its changed rows: for every edit, what the kept parse gives is
 * what parsing the whole new file gives, and an edit it cannot place safely (the header, a broken
 * row, a lone carriage return, rows named by position) is left to a whole parse.
 */
import { describe, expect, it } from "vitest";
import { CsvRowReuse, csvRecordEnds } from "../../src/ingest/csv-row-reuse.js";
import { DEFAULT_INDEX_LIMITS } from "../../src/ingest/index-limits.js";
import { parseFile } from "../../src/ingest/parse-file.js";

const FILE = "faq/table.csv";
const KEY = "/knowledge/faq/table.csv";

/** Rows with commas, doubled quotes and line feeds inside quoted fields, lines ended by `ending`. */
function table(rows: string[][], ending = "\r\n", header = "id,question,answer"): Buffer {
  const field = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  return Buffer.from([header, ...rows.map((row) => row.map(field).join(","))].join(ending) + ending);
}

const ROWS = Array.from({ length: 40 }, (_, index) => [
  `q-${index}`,
  `问题${index}：医保卡怎么用`,
  index % 3 === 0 ? `第一段，含逗号。\n第二段 "引号" 在这里。` : `答案${index}，按规定办理。`,
]);

async function whole(bytes: Buffer) {
  return parseFile(bytes, FILE, DEFAULT_INDEX_LIMITS);
}

async function keptFrom(bytes: Buffer): Promise<CsvRowReuse> {
  const reuse = new CsvRowReuse();
  reuse.keep(KEY, FILE, bytes, await whole(bytes));
  return reuse;
}

describe("a changed CSV table", () => {
  for (const [name, edit] of [
    ["one answer changed", (rows: string[][]) => rows.map((row, index) => (index === 17 ? [row[0], row[1], "改过的答案，\n两行。"] : row))],
    ["a row added at the end", (rows: string[][]) => [...rows, ["q-new", "新问题", "新答案"]]],
    ["a row inserted near the start", (rows: string[][]) => [rows[0], ["q-new", "新问题", '带"引号"的答案'], ...rows.slice(1)]],
    ["a row removed", (rows: string[][]) => rows.filter((_, index) => index !== 25)],
    [
      "the first and the last rows changed",
      (rows: string[][]) => rows.map((row, index) => (index === 0 || index === 39 ? [row[0], `${row[1]}？`, row[2]] : row)),
    ],
    ["nothing changed", (rows: string[][]) => rows],
  ] as const) {
    it(`parses as the whole file does: ${name}, with CRLF and with LF line endings`, async () => {
      for (const ending of ["\r\n", "\n"]) {
        const reuse = await keptFrom(table(ROWS, ending));
        const changed = table(edit(ROWS), ending);
        const reused = await reuse.parseChanged(KEY, FILE, changed, DEFAULT_INDEX_LIMITS);
        expect(reused, ending).toEqual(await whole(changed));
        // And again from the table it kept this time.
        const back = table(ROWS, ending);
        expect(await reuse.parseChanged(KEY, FILE, back, DEFAULT_INDEX_LIMITS)).toEqual(await whole(back));
      }
    });
  }

  it("is parsed whole when the header changes, a changed row is broken, or a lone carriage return appears", async () => {
    const reuse = await keptFrom(table(ROWS));
    expect(await reuse.parseChanged(KEY, FILE, table(ROWS, "\r\n", "id,title,answer"), DEFAULT_INDEX_LIMITS)).toBeUndefined();
    const broken = Buffer.concat([table(ROWS.slice(0, 10)), Buffer.from("q-x,只有问题\r\n"), table(ROWS.slice(10)).subarray(table([]).length)]);
    expect((await whole(broken)).problems).not.toEqual([]);
    expect(await reuse.parseChanged(KEY, FILE, broken, DEFAULT_INDEX_LIMITS)).toBeUndefined();
    const loneReturn = table(ROWS.map((row, index) => (index === 5 ? [row[0], row[1], "一\r二"] : row)));
    expect(await reuse.parseChanged(KEY, FILE, loneReturn, DEFAULT_INDEX_LIMITS)).toBeUndefined();
  });

  it("keeps no table whose rows are named by their position or whose parse reported a problem", async () => {
    const withoutIds = table(
      ROWS.map(([, question, answer]) => [question, answer]),
      "\r\n",
      "question,answer",
    );
    const reuse = await keptFrom(withoutIds);
    expect(await reuse.parseChanged(KEY, FILE, withoutIds, DEFAULT_INDEX_LIMITS)).toBeUndefined();
    const emptyAnswer = table(ROWS.map((row, index) => (index === 3 ? [row[0], row[1], ""] : row)));
    const second = await keptFrom(emptyAnswer);
    expect(await second.parseChanged(KEY, FILE, emptyAnswer, DEFAULT_INDEX_LIMITS)).toBeUndefined();
  });
});

describe("which tables are kept", () => {
  it("keeps CSV tables up to 16 MB, parses larger ones whole (keeping one holds the server's thread)", () => {
    const reuse = new CsvRowReuse();
    expect(reuse.handles("faq.csv", 4 * 1024 * 1024)).toBe(true);
    expect(reuse.handles("faq.csv", 17 * 1024 * 1024)).toBe(false);
    expect(reuse.handles("faq.xlsx", 1024)).toBe(false);
  });
});

describe("CSV record ends", () => {
  it("end records at line endings outside quoted fields only", () => {
    const bytes = Buffer.from('id,answer\r\n1,"a\r\nb"\r\n2,"say ""hi"",\nok"\r\n3,plain\r\n');
    expect(Array.from(csvRecordEnds(bytes, true)!)).toEqual([11, 21, 41, 50]);
    expect(csvRecordEnds(Buffer.from('id,answer\n1,"never closed\n'), false)).toBeNull();
  });
});
