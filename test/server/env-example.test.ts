/** `.env.example` documents every variable the config reads, and loads as a valid configuration. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";

describe(".env.example", () => {
  it("names every variable of src/config.ts, each with a comment, and loads as is", async () => {
    const example = await readFile(path.join(PROJECT_ROOT, ".env.example"), "utf8");
    const configSource = await readFile(path.join(PROJECT_ROOT, "src/config.ts"), "utf8");
    const schemaBlock = configSource.slice(configSource.indexOf("const environmentSchema"), configSource.indexOf("type Environment"));
    const variables = [...schemaBlock.matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1]);
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
});
