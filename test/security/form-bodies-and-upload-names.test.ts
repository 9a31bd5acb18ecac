/**
 * Form bodies and uploaded names from a hostile client, against a real server and SQLite store:
 * a malformed multipart body (on the unauthenticated login form too) is a 400 and the request's one
 * log line, never a 500 with a stack; an upload name over 255 bytes is shortened between whole
 * characters, its extension kept; bidirectional controls never reach a stored name.
 */
import { readdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { logInToConsole, useAdminTestServer } from "../support/admin-server.js";

const context = useAdminTestServer({ MAX_UPLOAD_BYTES: "4096" });

/** Requests that claim a multipart body but do not frame it: no boundary, a wrong one, a cut-off part. */
const MALFORMED_BODIES: { type: string; body: string }[] = [
  { type: "multipart/form-data", body: "token=abc" },
  { type: "multipart/form-data; boundary=kb", body: "garbage without any boundary" },
  { type: "multipart/form-data; boundary=kb", body: '--kb\r\nContent-Disposition: form-data; name="token"\r\n\r\nabc' },
];

function linesFor(path: string, from: number): Record<string, unknown>[] {
  return context.server.logLines.slice(from).filter((line) => line.path === path);
}

describe("malformed form bodies", () => {
  it("answer 400 on the login form, with one log line and no stack", async () => {
    const { server } = context;
    for (const { type, body } of MALFORMED_BODIES) {
      const before = server.logLines.length;
      const response = await fetch(`${server.url}/admin/login`, { method: "POST", headers: { "content-type": type, origin: server.url }, body });
      expect(response.status, type).toBe(400);
      const lines = linesFor("/admin/login", before);
      expect(lines, type).toHaveLength(1);
      expect(lines[0]).toMatchObject({ status: 400, formBody: "malformed" });
      expect(server.logLines.slice(before).filter((line) => JSON.stringify(line).includes("stack"))).toEqual([]);
    }
  });

  it("answer 400 on the upload form of a logged-in admin", async () => {
    const { server } = context;
    const session = await logInToConsole(server.url);
    for (const { type, body } of MALFORMED_BODIES) {
      const before = server.logLines.length;
      const response = await fetch(`${server.url}/admin/documents/upload`, {
        method: "POST",
        headers: { "content-type": type, origin: server.url, cookie: session.cookie, "x-csrf-token": session.csrf },
        body,
      });
      expect(response.status, type).toBe(400);
      expect(linesFor("/admin/documents/upload", before), type).toHaveLength(1);
      expect(server.logLines.slice(before).some((line) => line.level === "error")).toBe(false);
    }
  });
});

/** Uploads a file, then waits for the re-index the upload starts, so nothing is still writing when the test ends. */
async function upload(name: string, text: string): Promise<Response> {
  const { server } = context;
  const session = await logInToConsole(server.url);
  const body = new FormData();
  body.set("csrf", session.csrf);
  body.set("file", new Blob([text]), name);
  const response = await fetch(`${server.url}/admin/documents/upload`, { method: "POST", headers: { cookie: session.cookie, origin: server.url }, body });
  await expect
    .poll(async () => (await (await fetch(`${server.url}/admin/documents/reindex-status`, { headers: { cookie: session.cookie } })).json()).running, {
      timeout: 60_000,
    })
    .toBeUndefined();
  return response;
}

async function namesWritten(): Promise<string[]> {
  return readdir(context.folders.knowledgeDir);
}

describe("uploaded names", () => {
  it("shortens a name over 255 bytes to one the file system takes, between whole characters, keeping its extension", async () => {
    // 90 characters (fewer than the 100-character cap) but 270 bytes of UTF-8, plus emoji of 4 bytes each.
    const name = `${"医".repeat(90)}😀😀.md`;
    expect(Buffer.byteLength(name, "utf8")).toBeGreaterThan(255);
    const before = new Set(await namesWritten());
    const response = await upload(name, "# 长名字\n\n一个名字很长的文件。\n");
    expect(response.status).toBe(200);
    const written = (await namesWritten()).filter((file) => !before.has(file));
    expect(written).toHaveLength(1);
    const [stored] = written;
    expect(Buffer.byteLength(stored!, "utf8")).toBeLessThanOrEqual(200);
    expect(stored!.endsWith(".md")).toBe(true);
    expect(stored!.startsWith("医".repeat(60))).toBe(true);
    // Nothing but whole characters: no replacement character from a cut UTF-8 sequence, no lone surrogate.
    expect(stored).not.toContain("\uFFFD");
    expect(stored).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  it("removes bidirectional control characters from the stored name", async () => {
    const controls = ["\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069", "\u200E", "\u200F", "\u061C"];
    // Shown in a right-to-left override, "发票\u202Edm.gpj" reads as if it ended in ".jpg".
    const response = await upload(`发票${controls.join("")}\u202Edm.gpj.md`, "# 发票\n\n发票报销的说明。\n");
    expect(response.status).toBe(200);
    const stored = (await namesWritten()).find((file) => file.startsWith("发票"));
    expect(stored).toBe("发票dm.gpj.md");
    expect([...stored!].some((character) => controls.includes(character))).toBe(false);
  });
});
