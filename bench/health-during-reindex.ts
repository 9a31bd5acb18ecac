/**
 * Does the server keep answering while it re-indexes a huge table? A real server (`node
 * dist/src/main.js`, as `npm start` runs it) over the shipped knowledge folder, then a generated
 * 1,000,000-row CSV (and a generated .xlsx) dropped in and a dry-run re-index asked for over the API:
 * a dry run loads and parses every file and compares it with the index, which is the part that
 * held the server's thread, and stops before embedding, so the section stays short. Meanwhile this
 * process sends GET /healthz every 10 ms without waiting for answers (so a stall shows as many slow
 * answers, not one) and reports their p50/p99/max. Target: p99 ≤ 200 ms.
 * Run alone with `npm run build && node dist/bench/health-during-reindex.js [csvRows] [xlsxRows]`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { zipSync, strToU8 } from "fflate";
import { percentile } from "../src/cli/evaluate.js";

const compiledRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const projectRoot = path.resolve(compiledRoot, "..");
const ADMIN_TOKEN = "bench-admin-token-0123456789";
const PROBE_EVERY_MS = 10;
/** A run that takes longer than this is stopped and reported as such. */
const REINDEX_TIMEOUT_MS = 10 * 60_000;

/** Short rows, so that a million of them (about 37 MB) stay under MAX_FILE_BYTES. */
function faqRow(row: number): [string, string, string] {
  return [`bulk-${row}`, `问题${row}`, `答案${row}`];
}

export function generatedCsv(rows: number): string {
  const lines = ["id,question,answer"];
  for (let row = 0; row < rows; row++) lines.push(faqRow(row).join(","));
  return `${lines.join("\n")}\n`;
}

/** A one-sheet workbook of `rows` FAQ rows with inline strings, written directly (SheetJS's writer needs gigabytes for this). */
export function generatedXlsx(rows: number): Uint8Array {
  const cell = (column: string, row: number, text: string) => `<c r="${column}${row}" t="inlineStr"><is><t>${text}</t></is></c>`;
  const sheetRows: string[] = [];
  const header = ["id", "question", "answer"];
  sheetRows.push(`<row r="1">${header.map((text, index) => cell("ABC"[index], 1, text)).join("")}</row>`);
  for (let row = 0; row < rows; row++) {
    const number = row + 2;
    sheetRows.push(
      `<row r="${number}">${faqRow(row)
        .map((text, index) => cell("ABC"[index], number, text))
        .join("")}</row>`,
    );
  }
  const sheet = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${sheetRows.join("")}</sheetData></worksheet>`;
  return zipSync({
    "[Content_Types].xml": strToU8(
      `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
    ),
    "_rels/.rels": strToU8(
      `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    ),
    "xl/workbook.xml": strToU8(
      `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="FAQ" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    ),
    "xl/_rels/workbook.xml.rels": strToU8(
      `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    ),
    "xl/worksheets/sheet1.xml": strToU8(sheet),
  });
}

interface RunningServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startServer(knowledgeDir: string, work: string): Promise<RunningServer> {
  const child = spawn(process.execPath, [path.join(compiledRoot, "src/main.js")], {
    cwd: projectRoot,
    env: {
      ...process.env,
      KNOWLEDGE_DIR: knowledgeDir,
      INDEX_DIR: path.join(work, "index"),
      DATA_DIR: path.join(work, "data"),
      HOST: "127.0.0.1",
      PORT: "0",
      ADMIN_TOKEN,
      RATE_LIMIT_PER_MINUTE: "0",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(() => reject(new Error(`the server exited before serving:\n${output.slice(-2000)}`)));
  });
  return {
    url,
    child,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** /healthz every PROBE_EVERY_MS until `until` settles; the latency of each probe sent meanwhile. */
async function probeHealthWhile(url: string, until: Promise<unknown>): Promise<number[]> {
  const latencies: Promise<number>[] = [];
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    const sent = performance.now();
    latencies.push(
      fetch(`${url}/healthz`).then(
        async (response) => (await response.arrayBuffer(), performance.now() - sent),
        () => Number.POSITIVE_INFINITY,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS));
  }
  return Promise.all(latencies);
}

async function dryRunReindex(url: string): Promise<{ status: number; sources: number; seconds: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/api/reindex`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ dryRun: true }),
    signal: AbortSignal.timeout(REINDEX_TIMEOUT_MS),
  });
  const body = (await response.json()) as { sources?: number };
  return { status: response.status, sources: body.sources ?? -1, seconds: +((performance.now() - started) / 1000).toFixed(2) };
}

async function measure(server: RunningServer): Promise<Record<string, number>> {
  const reindex = dryRunReindex(server.url);
  const latencies = (await probeHealthWhile(server.url, reindex)).sort((left, right) => left - right);
  const result = await reindex;
  const round = (value: number) => +value.toFixed(1);
  return {
    reindexStatus: result.status,
    sources: result.sources,
    reindexSeconds: result.seconds,
    probes: latencies.length,
    // A probe that got no answer (connection reset or refused) counts as infinitely slow: null below.
    failedProbes: latencies.filter((latency) => latency === Number.POSITIVE_INFINITY).length,
    healthP50Ms: round(percentile(latencies, 0.5)),
    healthP99Ms: round(percentile(latencies, 0.99)),
    healthMaxMs: round(latencies[latencies.length - 1] ?? 0),
  };
}

export async function benchHealthDuringReindex(csvRows = 1_000_000, xlsxRows = 300_000): Promise<Record<string, unknown>> {
  const work = await mkdtemp(path.join(os.tmpdir(), "kb-bench-health-"));
  let server: RunningServer | undefined;
  try {
    const knowledgeDir = path.join(work, "knowledge");
    await cp(path.join(projectRoot, "knowledge"), knowledgeDir, { recursive: true });
    server = await startServer(knowledgeDir, work);
    const csvFile = path.join(knowledgeDir, "bulk-faq.csv");
    await writeFile(csvFile, generatedCsv(csvRows));
    const csv = { rows: csvRows, ...(await measure(server)) };
    await rm(csvFile);
    let xlsx: Record<string, number> | undefined;
    if (xlsxRows > 0) {
      await writeFile(path.join(knowledgeDir, "bulk-faq.xlsx"), generatedXlsx(xlsxRows));
      xlsx = { rows: xlsxRows, ...(await measure(server)) };
    }
    return { targetP99Ms: 200, csv, ...(xlsx ? { xlsx } : {}), loadAverage: os.loadavg().map((load) => +load.toFixed(2)) };
  } finally {
    await server?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [csvRows, xlsxRows] = process.argv.slice(2).map(Number);
  process.stdout.write(
    `${JSON.stringify({ section: "health-during-reindex", ...(await benchHealthDuringReindex(csvRows || undefined, xlsxRows ?? undefined)) })}\n`,
  );
}
