/**
 * The documents page follows a running re-index: its status (the JSON the page polls) names the
 * phase and step and counts what the step has done while the re-index runs, and nothing once it
 * has ended.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { logInToConsole, useAdminTestServer } from "../../support/admin-server.js";

const context = useAdminTestServer();

/** Enough rows that embedding them spans many status polls. */
function faqRows(count: number): string {
  const lines = ["id,question,answer"];
  for (let row = 0; row < count; row++)
    lines.push(`row-${row},第${row}号问题：门诊${row % 50}科怎么挂号,门诊${row % 50}科第${row}条说明：可以在自助机或窗口挂号。`);
  return `${lines.join("\n")}\n`;
}

describe("the documents page during a re-index", () => {
  it("shows the running re-index's phase, step and counts, and nothing after it ends", async () => {
    const { server, folders } = context;
    const session = await logInToConsole(server.url);
    await writeFile(path.join(folders.knowledgeDir, "many.csv"), faqRows(4000));
    const status = async () =>
      (await (await fetch(`${server.url}/admin/documents/reindex-status`, { headers: { cookie: session.cookie } })).json()) as {
        running?: unknown;
        progress?: { phase: string; step?: string; done: number; total: number };
      };
    const started = await fetch(`${server.url}/admin/documents/reindex`, {
      method: "POST",
      headers: { cookie: session.cookie, "x-csrf-token": session.csrf, origin: server.url },
    });
    expect(started.status).toBe(200);
    const seen: { phase: string; step?: string; done: number; total: number }[] = [];
    for (;;) {
      const current = await status();
      if (current.progress) seen.push(current.progress);
      if (!current.running && !current.progress) break;
    }
    expect(seen.length).toBeGreaterThan(0);
    for (const progress of seen) {
      expect(["loading", "embedding", "writing"]).toContain(progress.phase);
      expect(progress.done).toBeLessThanOrEqual(progress.total);
    }
    const embedding = seen.filter((progress) => progress.phase === "embedding");
    expect(embedding.length).toBeGreaterThan(0);
    expect(embedding.every((progress) => progress.step === "embedding" && progress.total === 4000)).toBe(true);
    expect(await status()).not.toHaveProperty("progress");
  }, 120_000);
});
