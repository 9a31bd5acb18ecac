/**
 * sources.json and chunks.json are written a slice of rows at a time; the file must be exactly what
 * JSON.stringify of the whole array gives, at every slice boundary, and an existing file is never
 * written over.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeJsonRows } from "../../src/store/json-rows-file.js";

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "kb-json-rows-"));
});
afterAll(() => rm(workDir, { recursive: true, force: true }));

describe("rows written a slice at a time", () => {
  it("are byte for byte JSON.stringify of the array", async () => {
    for (const count of [0, 1, 999, 1000, 1001, 2500]) {
      const rows = Array.from({ length: count }, (_, row) => ({ sourceId: `s${row}`, text: `第${row}行 "引号"\n`, missing: undefined, list: [row, null] }));
      const file = path.join(workDir, `rows-${count}.json`);
      await writeJsonRows(file, rows);
      expect(await readFile(file, "utf8"), `${count} rows`).toBe(JSON.stringify(rows));
    }
  });

  it("refuses to write over an existing file", async () => {
    const file = path.join(workDir, "existing.json");
    await writeFile(file, "kept");
    await expect(writeJsonRows(file, [{ a: 1 }])).rejects.toMatchObject({ code: "EEXIST" });
    expect(await readFile(file, "utf8")).toBe("kept");
  });
});
