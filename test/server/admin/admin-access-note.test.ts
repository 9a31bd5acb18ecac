/** The start-up log line says where the console is, or what ADMIN_TOKEN would unlock. */
import { describe, expect, it } from "vitest";
import { adminAccessNote } from "../../../src/server/admin/admin-access-note.js";

describe("adminAccessNote", () => {
  it("points to the console when the token is set", () => {
    expect(adminAccessNote("a-token-of-sixteen-chars", "http://localhost:3000")).toBe("admin console at http://localhost:3000/admin (log in with ADMIN_TOKEN)");
  });

  it("says what setting the token unlocks when it is unset", () => {
    const note = adminAccessNote(undefined, "http://localhost:3000");
    for (const part of ["ADMIN_TOKEN", ".env", "restart", "/admin", "POST /api/reindex", "/api/search", "admin API"]) expect(note).toContain(part);
  });
});
