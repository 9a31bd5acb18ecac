/**
 * The six official WXBizMsgCrypt test vectors (protocol notes, section 3), run through the
 * adapter's own check chain: signature → decrypt → receiveid → parse.
 */
import { describe, expect, it } from "vitest";
import { parseAiBotMessage } from "../../adapters/wecom/ai-bot-message.js";
import { parseXmlFields } from "../../adapters/wecom/app-xml.js";
import { createCallbackCrypto } from "../../adapters/wecom/callback-crypto.js";
import { WecomError } from "../../adapters/wecom/errors.js";
import { startFakeWecomApi } from "../../adapters/wecom/testing/fake-wecom-api.js";
import { get } from "./support/http.js";
import { cannedAnswer, createScriptedKnowledgeBot } from "../support/scripted-knowledge-bot.js";
import { startWecomTestServer } from "./support/wecom-test-server.js";

const SET_A = { token: "QDG6eK", encodingAesKey: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", receiveId: "wx5823bf96d3bd56c7" };
const SET_B = { token: "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo", encodingAesKey: "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt", receiveId: "ww1436e0e65a779aee" };

const VECTORS = {
  A1: {
    timestamp: "1409659589",
    nonce: "263014780",
    signature: "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    encrypt: "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
  },
  A2: {
    timestamp: "1409659813",
    nonce: "1372623149",
    signature: "477715d11cdb4164915debcba66cb864d751f3e6",
    encrypt:
      "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==",
  },
  A3: {
    timestamp: "1409659813",
    nonce: "1372623149",
    signature: "0623cbc5a8cbee5bcc137c70de99575366fc2af3",
    encrypt:
      "CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko=",
  },
  B1: {
    timestamp: "1476416373",
    nonce: "47744683",
    signature: "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb",
    encrypt: "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==",
  },
  B2: {
    timestamp: "1476422779",
    nonce: "1597212914",
    signature: "0c3914025cb4b4d68103f6bfc8db550f79dcf48e",
    encrypt:
      "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+",
  },
  B3: {
    timestamp: "1409659813",
    nonce: "1372623149",
    signature: "e3647471e395139e2308c1fa963f2d648a00b90e",
    encrypt:
      "cjhLUX7UU4yCSelv1vz7T0zT8huF51bAMVWriNvO1FMegHrQZNrtvRxbwf0fUPsFvwqR0U0fgiJNEA5Y30F2MoI2S7vv3EjVQ68C0cjw9frBoUE2Hj0BvFp9h3u6Vbsg4lc1C8AtHdaN8orKuNKkLRLuYEL52R1J3v8olJGZRLnRdVKIivixmX/eQpzgeExtp20jI1HxRP1AAZ6xZoILdqDPO549LO4WeG+685JRUTdiwcY5fjZlqeMxuT4PpMn1X9OWsS7NRj06Wa5E3Tvg4twjWp39KPfOdRte6P1T4JU=",
  },
};

type Vector = (typeof VECTORS)[keyof typeof VECTORS];

function open(keys: typeof SET_A, vector: Vector, overrides: Partial<Vector> = {}): string {
  const merged = { ...vector, ...overrides };
  const crypto = createCallbackCrypto({ ...keys, now: () => Number(merged.timestamp) * 1000 });
  return crypto.open({ signature: merged.signature, timestamp: merged.timestamp, nonce: merged.nonce }, merged.encrypt);
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof WecomError ? error.code : `not a WecomError: ${String(error)}`;
  }
  return undefined;
}

describe("official test vectors", () => {
  it("A1: URL verification decrypts the echostr", () => {
    expect(open(SET_A, VECTORS.A1)).toBe("1616140317555161061");
  });

  it("A2: XML message, MsgId kept exactly as a string", () => {
    const plaintext = open(SET_A, VECTORS.A2);
    expect(Buffer.byteLength(plaintext)).toBe(284);
    expect(parseXmlFields(plaintext, "A2")).toEqual({
      ToUserName: "wx5823bf96d3bd56c7",
      FromUserName: "mycreate",
      CreateTime: "1409659813",
      MsgType: "text",
      Content: "hello",
      MsgId: "4561255354251345929",
      AgentID: "218",
    });
  });

  it("A3: JSON message whose bare 64-bit MsgId survives only as text", () => {
    const plaintext = open(SET_A, VECTORS.A3);
    expect(Buffer.byteLength(plaintext)).toBe(164);
    expect(plaintext).toContain("4561255354251345929");
    // Why MsgId must stay a string: number parsing changes it.
    expect(String((JSON.parse(plaintext) as { MsgId: number }).MsgId)).not.toBe("4561255354251345929");
  });

  it("B1: URL verification decrypts the echostr", () => {
    expect(open(SET_B, VECTORS.B1)).toBe("1288432023552776189");
  });

  it("B2: XML with multi-byte content", () => {
    const plaintext = open(SET_B, VECTORS.B2);
    expect(Buffer.byteLength(plaintext)).toBe(228);
    const fields = parseXmlFields(plaintext, "B2");
    expect(fields).toMatchObject({ FromUserName: "ChenJiaShun", Content: "你好", MsgId: "1456453720", AgentID: "1000002" });
  });

  it("B3: signature and decryption pass, the malformed JSON is refused with a code", () => {
    const plaintext = open(SET_B, VECTORS.B3);
    expect(Buffer.byteLength(plaintext)).toBe(176);
    expect(codeOf(() => parseAiBotMessage(plaintext))).toBe("WECOM_PAYLOAD_MALFORMED");
  });

  it("refuses a tampered signature, a '+' turned into a space, a flipped bit and the wrong surface", () => {
    expect(codeOf(() => open(SET_A, VECTORS.A1, { signature: "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd4" }))).toBe("WECOM_SIGNATURE_INVALID");
    expect(codeOf(() => open(SET_A, VECTORS.A1, { encrypt: VECTORS.A1.encrypt.replace("+", " ") }))).toBe("WECOM_SIGNATURE_INVALID");
    const flipped = VECTORS.A2.encrypt.replace("RypE", "RypF");
    expect(codeOf(() => open(SET_A, VECTORS.A2, { encrypt: flipped }))).toBe("WECOM_SIGNATURE_INVALID");
    // Set A's vector opened as the AI bot (receiveid ""): signature and cipher are fine, the receiveid is not.
    expect(codeOf(() => open({ ...SET_A, receiveId: "" }, VECTORS.A2))).toBe("WECOM_RECEIVE_ID_MISMATCH");
    // Right token, wrong key: decryption fails or yields a foreign receiveid.
    expect(["WECOM_DECRYPT_FAILED", "WECOM_RECEIVE_ID_MISMATCH"]).toContain(codeOf(() => open({ ...SET_A, encodingAesKey: SET_B.encodingAesKey }, VECTORS.A2)));
  });

  it("refuses a timestamp outside the window and missing parameters", () => {
    const crypto = createCallbackCrypto({ ...SET_A, now: () => (Number(VECTORS.A1.timestamp) + 301) * 1000 });
    const { signature, timestamp, nonce, encrypt } = VECTORS.A1;
    expect(codeOf(() => crypto.open({ signature, timestamp, nonce }, encrypt))).toBe("WECOM_TIMESTAMP_OUT_OF_WINDOW");
    expect(codeOf(() => crypto.open({ signature, timestamp: undefined, nonce }, encrypt))).toBe("WECOM_PARAMETERS_MISSING");
  });

  it("refuses an EncodingAESKey that is not 32 bytes at construction", () => {
    expect(codeOf(() => createCallbackCrypto({ ...SET_A, encodingAesKey: "short" }))).toBe("WECOM_KEY_INVALID");
  });
});

describe("official URL-verification vectors over HTTP", () => {
  it("answers A1 and B1 on /wecom/app with the bare echo, and refuses a '+' sent unencoded", async () => {
    const fakeApi = await startFakeWecomApi({ corpId: "unused", secret: "unused" });
    const bot = createScriptedKnowledgeBot(() => cannedAnswer());
    try {
      for (const [keys, vector, echo] of [
        [SET_A, VECTORS.A1, "1616140317555161061"],
        [SET_B, VECTORS.B1, "1288432023552776189"],
      ] as const) {
        const server = await startWecomTestServer({
          bot,
          apiBase: fakeApi.baseUrl,
          environment: { WECOM_CORP_ID: keys.receiveId, WECOM_TOKEN: keys.token, WECOM_ENCODING_AES_KEY: keys.encodingAesKey },
          adapterOptions: { now: () => Number(vector.timestamp) * 1000 },
        });
        try {
          const query = `msg_signature=${vector.signature}&timestamp=${vector.timestamp}&nonce=${vector.nonce}`;
          const response = await get(`${server.baseUrl}/wecom/app?${query}&echostr=${encodeURIComponent(vector.encrypt)}`);
          expect(response.status).toBe(200);
          expect(response.text).toBe(echo);
          // A raw '+' in a query string means a space, which breaks the signature (WeCom sends %2B).
          const unencoded = await get(`${server.baseUrl}/wecom/app?${query}&echostr=${vector.encrypt}`);
          expect(vector.encrypt).toContain("+");
          expect(unencoded.status).toBe(401);
        } finally {
          await server.close();
        }
      }
    } finally {
      await fakeApi.close();
    }
  });
});
