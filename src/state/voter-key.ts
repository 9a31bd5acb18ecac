/** A voter as the store keeps it: the platform and a hash, never the address or user id itself. */
import { createHash } from "node:crypto";

export function voterKey(platform: string, identity: string): string {
  return `${platform}:${createHash("sha256").update(identity, "utf8").digest("hex").slice(0, 32)}`;
}
