/** `.env.example` documents every variable the config reads, and loads as a valid configuration. */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_VARIABLES, loadConfig } from "../../src/config.js";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";

/** The variables of every settings slice an adapter folder declares (adapters/<name>/settings.ts). */
async function adapterSliceVariables(): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  const folders = await readdir(path.join(PROJECT_ROOT, "adapters"), { withFileTypes: true });
  for (const folder of folders.filter((entry) => entry.isDirectory())) {
    const file = path.join(PROJECT_ROOT, "adapters", folder.name, "settings.ts");
    const exported: Record<string, unknown> = await import(file).catch(() => ({}));
    const names = Object.values(exported).flatMap((value) =>
      typeof value === "object" && value !== null && "variables" in value ? Object.keys((value as { variables: object }).variables) : [],
    );
    if (names.length > 0) found.set(folder.name, names);
  }
  return found;
}

describe(".env.example", () => {
  it("names every variable of the config and of each adapter's settings, each with a comment, and loads as is", async () => {
    const example = await readFile(path.join(PROJECT_ROOT, ".env.example"), "utf8");
    const variables = [...ENVIRONMENT_VARIABLES];
    expect(variables.length).toBeGreaterThan(30);

    const values = parseEnv(example) as Record<string, string>;
    expect(Object.keys(values).sort()).toEqual([...variables].sort());
    const lines = example.split("\n");
    for (const variable of variables) {
      const line = lines.findIndex((text) => text.startsWith(`${variable}=`));
      expect(lines[line - 1], variable).toMatch(/^#/);
    }
    const config = loadConfig(values);
    expect(config.port).toBe(3000);
    expect(config.telegram).toBeUndefined();
    expect(config.wecom).toBeUndefined();
  });

  it("says what ADMIN_TOKEN unlocks, as does the error for a token too short", async () => {
    const example = await readFile(path.join(PROJECT_ROOT, ".env.example"), "utf8");
    const lines = example.split("\n");
    const tokenLine = lines.findIndex((text) => text.startsWith("ADMIN_TOKEN="));
    let commentStart = tokenLine;
    while (lines[commentStart - 1]?.startsWith("#")) commentStart--;
    const comment = lines.slice(commentStart, tokenLine).join(" ");
    const refusal = (() => {
      try {
        loadConfig({ ADMIN_TOKEN: "short" });
      } catch (error) {
        return (error as Error).message;
      }
      return "";
    })();
    for (const unlocked of ["/admin", "POST /api/reindex", "/api/search", "/api/admin/"]) {
      expect(comment, unlocked).toContain(unlocked);
      expect(refusal, unlocked).toContain(unlocked);
    }
  });

  it("composes every adapter folder's settings slice into the one schema", async () => {
    const slices = await adapterSliceVariables();
    expect([...slices.keys()].sort()).toEqual(["telegram", "wecom"]);
    for (const [adapter, names] of slices) {
      for (const name of names) expect(ENVIRONMENT_VARIABLES, `${adapter}: ${name}`).toContain(name);
    }
  });
});
