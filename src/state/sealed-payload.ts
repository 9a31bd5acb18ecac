/**
 * Seals what a pending delivery keeps in the state store (the user's question, the prepared answer)
 * with AES-256-GCM under a key derived from the platform's own secret (the bot token, the app
 * secret), so the store holds no question in clear and a row changed underneath is refused, not
 * sent. A key that changed (a new token) opens nothing: such rows are reported and dropped.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { KnowledgeBotError } from "../core/errors.js";

export interface PayloadSeal {
  seal(plaintext: string): string;
  /** Throws DELIVERY_UNREADABLE when the text was sealed under another key or altered. */
  open(sealed: string): string;
}

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** `purpose` keeps keys apart: the same secret seals Telegram and WeCom payloads under different keys. */
export function createPayloadSeal(secret: string, purpose: string): PayloadSeal {
  if (secret.length === 0) throw new KnowledgeBotError("CONFIG_INVALID", "A payload seal needs a secret.", "Pass the platform's token or secret.");
  const key = Buffer.from(hkdfSync("sha256", secret, "kb-chat-bot pending delivery", purpose, 32));
  return {
    seal(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
    },
    open(sealed) {
      try {
        const [version, encoded] = sealed.split(".", 2);
        if (version !== VERSION || encoded === undefined) throw new Error(`unknown seal version ${version ?? ""}`);
        const bytes = Buffer.from(encoded, "base64");
        if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error("sealed text too short");
        const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, IV_BYTES));
        decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
      } catch (error) {
        throw new KnowledgeBotError(
          "DELIVERY_UNREADABLE",
          "A pending delivery in the state store could not be opened: it was sealed under another secret, or altered.",
          "It is dropped. This happens once after the bot token or app secret changed while deliveries were pending.",
          { cause: error },
        );
      }
    },
  };
}
