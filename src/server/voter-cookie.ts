/**
 * Who asks and votes on the web page. The server gives each browser a voter identity: a random id
 * in a cookie it signs (`kb_voter`, HMAC-SHA256; HttpOnly, SameSite=Lax, a year). Only a cookie
 * with the server's signature names an identity; a made-up or altered one is ignored and a new one
 * issued. A request without a valid cookie (a script, a browser that refuses cookies) is known by
 * its client address, as before there were cookies.
 *
 * The signing key is made once and kept in the state store (the SQLite file in DATA_DIR, or the
 * PostgreSQL database every replica shares), so a cookie one replica signed is good on every other
 * and after a restart. Whoever can read the store could sign cookies, but could as well write votes
 * straight into it: the key adds no power over the store's own.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { Logger } from "../core/logger.js";
import type { StateStore } from "../state/state-store.js";
import { clientAddress } from "./rate-limit.js";

export const VOTER_COOKIE = "kb_voter";

const KEY_KIND = "server-key";
const KEY_NAME = "voter-cookie";
/** Kept as long as the store lives: a new key would forget every browser. */
const KEY_KEPT_MS = 100 * 365 * 86_400_000;
const COOKIE_MAX_AGE_SECONDS = 365 * 86_400;
/** After the store refused the key, requests go without a cookie this long before it is asked again. */
const KEY_RETRY_MS = 5_000;
const ID_BYTES = 16;
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export interface WebVoter {
  /** The identity of the request's valid voter cookie, when it carried one. */
  cookieIdentity?: string;
  /** The identity of the client address (what a request without a valid cookie asks and votes as). */
  addressIdentity: string;
  /** What this request asks or votes as: the cookie's identity, else the address's. */
  identity: string;
}

export interface VoterCookies {
  /** The request's voter; when it carried no valid cookie, a new signed one is set on the response. */
  identify(context: Context): Promise<WebVoter>;
}

export function createVoterCookies(options: { store?: StateStore; publicBaseUrl: string; logger?: Logger }): VoterCookies {
  const { store, publicBaseUrl, logger } = options;
  let key: Promise<Buffer> | undefined;
  let failedAt = 0;

  async function loadKey(): Promise<Buffer> {
    const fresh = randomBytes(32).toString("base64url");
    // putIfAbsent: of replicas starting together, one key wins and every one of them reads it.
    const value = store ? (await store.putIfAbsent(KEY_KIND, KEY_NAME, fresh, KEY_KEPT_MS)).value : fresh;
    return Buffer.from(value, "base64url");
  }

  async function signingKey(): Promise<Buffer | undefined> {
    if (!key && Date.now() - failedAt < KEY_RETRY_MS) return undefined;
    key ??= loadKey();
    try {
      return await key;
    } catch (error) {
      key = undefined;
      failedAt = Date.now();
      logger?.warn({ err: error }, "voter cookie key unavailable in the state store; web voters are known by address until it is back");
      return undefined;
    }
  }

  const signature = (id: string, secret: Buffer) => createHmac("sha256", secret).update(`${VOTER_COOKIE}:${id}`, "utf8").digest();

  function verifiedId(cookie: string, secret: Buffer): string | undefined {
    const [id, mac, ...rest] = cookie.split(".");
    if (rest.length > 0 || !id || !mac || !ID_PATTERN.test(id)) return undefined;
    const presented = Buffer.from(mac, "base64url");
    const expected = signature(id, secret);
    return presented.length === expected.length && timingSafeEqual(presented, expected) ? id : undefined;
  }

  return {
    async identify(context) {
      const addressIdentity = clientAddress(context);
      const secret = await signingKey();
      const cookie = getCookie(context, VOTER_COOKIE);
      const id = secret && cookie ? verifiedId(cookie, secret) : undefined;
      if (id) return { cookieIdentity: `cookie:${id}`, addressIdentity, identity: `cookie:${id}` };
      if (secret) {
        const fresh = randomBytes(ID_BYTES).toString("base64url");
        setCookie(context, VOTER_COOKIE, `${fresh}.${signature(fresh, secret).toString("base64url")}`, {
          httpOnly: true,
          // Lax, not Strict: a visit that follows a link from elsewhere still sends it, so it is not replaced.
          sameSite: "Lax",
          secure: new URL(context.req.url).protocol === "https:" || publicBaseUrl.startsWith("https:"),
          path: "/",
          maxAge: COOKIE_MAX_AGE_SECONDS,
        });
      }
      return { addressIdentity, identity: addressIdentity };
    },
  };
}
