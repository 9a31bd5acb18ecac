/**
 * The checks `@wecom/crypto` leaves to its caller, in the order that makes them safe:
 * timestamp window → signature (constant time) → decrypt → receiveid. Parsing the decrypted text
 * is the caller's last step; for the AI bot a parse failure is the only sign of a wrong AES key,
 * because a wrong 32-byte key decrypts to garbage with an empty receiveid.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { decrypt, encrypt, getSignature } from "@wecom/crypto";
import { WecomError } from "./errors.js";

export interface CallbackCryptoOptions {
  /** The console's Token (used only for signatures). */
  token: string;
  /** The console's 43-character EncodingAESKey. */
  encodingAesKey: string;
  /** CorpID for a self-built app, "" for the AI bot. */
  receiveId: string;
  /** Largest accepted distance between the callback's timestamp and our clock, in seconds. */
  timestampWindowSeconds?: number;
  /** Clock in milliseconds; tests replay the official vectors from 2014 with a fixed clock. */
  now?: () => number;
}

export interface SignedParameters {
  signature: string | undefined;
  timestamp: string | undefined;
  nonce: string | undefined;
}

export interface EncryptedReply {
  encrypt: string;
  signature: string;
  timestamp: string;
  nonce: string;
}

export interface CallbackCrypto {
  /** Verifies a callback's signature over `encrypted` and returns the decrypted message text. */
  open(parameters: SignedParameters, encrypted: string | undefined): string;
  /** Encrypts a passive reply and signs it; `nonce` should be the callback's own nonce. */
  seal(message: string, nonce: string): EncryptedReply;
}

export const DEFAULT_TIMESTAMP_WINDOW_SECONDS = 300;

export function createCallbackCrypto(options: CallbackCryptoOptions): CallbackCrypto {
  const { token, encodingAesKey, receiveId } = options;
  const windowSeconds = options.timestampWindowSeconds ?? DEFAULT_TIMESTAMP_WINDOW_SECONDS;
  const now = options.now ?? Date.now;
  if (Buffer.from(`${encodingAesKey}=`, "base64").length !== 32 || !/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) {
    throw new WecomError(
      "WECOM_KEY_INVALID",
      "EncodingAESKey does not decode to 32 bytes",
      "Copy the 43-character EncodingAESKey from the WeCom console again.",
      { status: 500 },
    );
  }

  function open(parameters: SignedParameters, encrypted: string | undefined): string {
    const { signature, timestamp, nonce } = parameters;
    if (!signature || !timestamp || !nonce || !encrypted) {
      throw new WecomError(
        "WECOM_PARAMETERS_MISSING",
        "Callback lacks msg_signature, timestamp, nonce or the encrypted text",
        "Only WeCom should call this URL; check the URL configured in the console.",
      );
    }
    const seconds = Number(timestamp);
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now() / 1000 - seconds) > windowSeconds) {
      throw new WecomError(
        "WECOM_TIMESTAMP_OUT_OF_WINDOW",
        `Callback timestamp is more than ${windowSeconds} s away from this server's clock`,
        "Sync the server clock (NTP); an old timestamp may also be a replayed request.",
        { status: 401 },
      );
    }
    const expected = Buffer.from(getSignature(token, timestamp, nonce, encrypted), "utf8");
    const received = Buffer.from(signature.toLowerCase(), "utf8");
    if (expected.length !== received.length || !timingSafeEqual(expected, received)) {
      throw new WecomError(
        "WECOM_SIGNATURE_INVALID",
        "Callback signature does not match",
        "Check that the Token in the WeCom console equals the configured token.",
        { status: 401 },
      );
    }
    let decrypted: { message: string; id: string };
    try {
      decrypted = decrypt(encodingAesKey, encrypted);
    } catch (error) {
      throw new WecomError(
        "WECOM_DECRYPT_FAILED",
        "Callback could not be decrypted",
        "Check that the EncodingAESKey in the WeCom console equals the configured key.",
        { cause: error },
      );
    }
    if (decrypted.id !== receiveId) {
      throw new WecomError(
        "WECOM_RECEIVE_ID_MISMATCH",
        "Decrypted receiveid does not belong to this surface",
        receiveId === ""
          ? "This is the AI bot route (/wecom/bot); app callbacks belong on /wecom/app, or the EncodingAESKey is wrong."
          : "Check WECOM_CORP_ID and WECOM_ENCODING_AES_KEY against the WeCom console.",
        { status: 403 },
      );
    }
    return decrypted.message;
  }

  function seal(message: string, nonce: string): EncryptedReply {
    const timestamp = String(Math.floor(now() / 1000));
    const encrypted = encrypt(encodingAesKey, message, receiveId, randomBytes(16));
    return { encrypt: encrypted, signature: getSignature(token, timestamp, nonce, encrypted), timestamp, nonce };
  }

  return { open, seal };
}
