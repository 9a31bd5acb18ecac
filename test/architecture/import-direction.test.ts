import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeViolation, findImportViolations, LAYERS } from "./import-layers.js";

const REPOSITORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("imports run one way (docs/code-layout.md)", () => {
  it("every import in src/ and adapters/ goes to its own layer or one below, and adapters and the configuration have only their readers", () => {
    // One line per offending import, `file:line imports target ("specifier"): reason`, so a failure says what to move.
    expect(findImportViolations(REPOSITORY).map(describeViolation)).toEqual([]);
  });

  it("docs/code-layout.md names every layer's rooms, so the written rule and the checked one stay the same", async () => {
    const document = await readFile(path.join(REPOSITORY, "docs/code-layout.md"), "utf8");
    for (const room of LAYERS.flatMap((layer) => layer.rooms)) expect(document, room).toContain(`\`${room}\``);
  });
});

describe("the import-direction check, on a small tree with imports the wrong way", () => {
  let root: string;

  /** Writes `files` (path → text) under the fixture root. */
  async function writeTree(files: Record<string, string>): Promise<void> {
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await writeFile(path.join(root, file), text);
    }
  }

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "import-layers-"));
    await writeTree({
      // Allowed: down a layer, within a shared layer, packages, the configuration read by the server
      // wiring and the entry point, an adapter's settings slice read by src/config.ts.
      "src/core/types.ts": `import { z } from "zod";\nexport type Kind = string;\n`,
      "src/retrieval/retrieve.ts": `import type { Kind } from "../core/types.js";\nimport { answerText } from "../answer/answer-text.js";\n`,
      "src/answer/answer-text.ts": `export const answerText = "";\n`,
      "src/server/create-server.ts": `import type { AppConfig } from "../config.js";\n`,
      "src/config.ts": `import { telegramSettings } from "../adapters/telegram/settings.js";\n\nimport { createTelegramAdapter } from "../adapters/telegram/index.js";\n`,
      "src/main.ts": `import { loadConfig } from "./config.js";\nconst adapter = await import("../adapters/telegram/index.js");\n`,
      "adapters/telegram/index.ts": `import { telegramSettings } from "./settings.js";\nimport type { Kind } from "../../src/core/types.js";\n`,
      "adapters/telegram/settings.ts": `export const telegramSettings = {};\n`,
      // Wrong way: each kind of import the parser reads, type-only ones included.
      "src/core/logger.ts": `/** The logger. */\nimport type { AppConfig } from "../config.js";\n`,
      "src/store/manifest.ts": `export type { ChunkOptions } from "../ingest/chunk-text.js";\n`,
      "src/bot/bot.ts": `export async function respond() {\n  return import("../conversation/responder.js");\n}\n`,
      "src/text/terms.ts": `export type Postings = import("../store/keyword-postings.js").Postings;\n`,
      "src/server/api-routes.ts": `import { renderAnswer } from "../cli/render-answer.js";\n`,
      "adapters/telegram/send.ts": `import { fairQueue } from "../wecom/fair-queue.js";\nimport { loadConfig } from "../../src/config.js";\n`,
      "src/state/store.ts": `import { helper } from "../../test/support/helper.js";\n`,
      "src/widgets/widget.ts": `import type { Kind } from "../core/types.js";\n`,
    });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("reports each wrong-way import with its file and line, and nothing that is allowed", () => {
    const found = findImportViolations(root).map(({ file, line, target }) => `${file}:${line} → ${target}`);
    expect(found).toEqual([
      "adapters/telegram/send.ts:1 → adapters/wecom/fair-queue.ts",
      "adapters/telegram/send.ts:2 → src/config.ts",
      "src/bot/bot.ts:2 → src/conversation/responder.ts",
      "src/config.ts:3 → adapters/telegram/index.ts",
      "src/core/logger.ts:2 → src/config.ts",
      "src/server/api-routes.ts:1 → src/cli/render-answer.ts",
      "src/state/store.ts:1 → test/support/helper.ts",
      "src/store/manifest.ts:1 → src/ingest/chunk-text.ts",
      "src/text/terms.ts:1 → src/store/keyword-postings.ts",
      "src/widgets/widget.ts:1 → src/core/types.ts",
    ]);
  });

  it("says why, naming the layers or the rule broken", () => {
    const reasons = new Map(findImportViolations(root).map((violation) => [`${violation.file}:${violation.line}`, violation.reason]));
    expect(reasons.get("src/store/manifest.ts:1")).toBe("store/embeddings/state may not import from ingest/retrieval/answer, a layer above it");
    expect(reasons.get("src/server/api-routes.ts:1")).toContain("src/server/ and src/cli/ stand side by side");
    expect(reasons.get("adapters/telegram/send.ts:1")).toContain("an adapter is imported only by the entry points and its own folder");
    expect(reasons.get("src/core/logger.ts:2")).toContain("src/config.ts is read only by");
    expect(reasons.get("src/widgets/widget.ts:1")).toContain("src/widgets/widget.ts is in no layer");
  });
});
