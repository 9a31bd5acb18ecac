// scratch
import { mkdir, cp, rm, readFile } from "node:fs/promises";
import { buildIndex } from "../../src/ingest/build-index.js";
import { loadIndex } from "../../src/store/loaded-index.js";
import { evaluateUnanswerable, readEvaluationQueries } from "../../src/cli/evaluate.js";
const local = { kind: "local" as const, batchSize: 64 };
const sets: [string, string, string][] = [
  ["seed", "/work/main/knowledge/000_9de61d0cf05b51f0.txt", "/work/evalsets/seed.jsonl"],
  ["nursing", "/work/main/test/fixtures/insurance-exam-nursing-faq.csv", "/work/evalsets/nursing.jsonl"],
  ["folder-c", "/work/evalsets/folder-c/faq.csv", "/work/evalsets/folder-c.jsonl"],
];
const show = process.argv[2] ?? "";
for (const [name, file, queries] of sets) {
  const dir = `/tmp/an/small-${name}`;
  await rm(dir, { recursive: true, force: true });
  await mkdir(`${dir}/knowledge`, { recursive: true });
  await cp(file, `${dir}/knowledge/${file.split("/").pop()}`);
  await buildIndex({ knowledgeDir: `${dir}/knowledge`, indexDir: `${dir}/index`, embedder: local });
  const index = await loadIndex(`${dir}/index`, local);
  const report = await evaluateUnanswerable(index, await readEvaluationQueries(queries));
  console.log(`${name}: uncovered answered ${report.unanswerable.answered.toFixed(3)} of ${report.unanswerable.queries}; covered answered ${report.answerable.answered.toFixed(3)}, right first ${report.answerable.rightFirst.toFixed(3)} of ${report.answerable.queries}`);
  const queryList = await readEvaluationQueries(queries);
  const uncovered = new Set(queryList.filter((q) => q.expected.length === 0).map((q) => q.query));
  if (show.includes(name)) for (const miss of report.misses.sort((a, b) => Number(uncovered.has(b.query)) - Number(uncovered.has(a.query)))) console.log(`  ${uncovered.has(miss.query) ? "UNCOVERED-ANSWERED" : miss.answered ? "WRONG-FIRST" : "REFUSED"} ${miss.query} → ${miss.returned.map((h) => h.title).join(" | ").slice(0, 60)} [${miss.subjects.join(" ")}] ${miss.missingSubject ?? ""}`);
}
