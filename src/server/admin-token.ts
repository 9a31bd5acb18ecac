/**
 * Bearer-token check for admin routes. Both sides are hashed first so the comparison is constant
 * time whatever the lengths, and a wrong token's length leaks nothing.
 */
import { createHash, timingSafeEqual } from "node:crypto";

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** True when the Authorization header is `Bearer <expected>`. */
export function hasAdminToken(authorizationHeader: string | undefined, expected: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(authorizationHeader?.trim() ?? "");
  const presented = match ? match[1].trim() : "";
  // Always compare, even with nothing presented, so the timing does not tell the cases apart.
  const same = timingSafeEqual(digest(presented), digest(expected));
  return same && presented.length > 0;
}
