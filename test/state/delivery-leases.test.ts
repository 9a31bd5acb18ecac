/**
 * Delivery claims as leases on the SQLite store (one replica, restarted): a WeCom message whose
 * process died after claiming it and before acknowledging it is answered by the restarted process
 * when WeCom's retry arrives, and then kept out for a day. (What a process leaves after it
 * acknowledged a delivery is a pending delivery: test/state/pending-deliveries.test.ts.)
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { claimDelivery, DELIVERY_LEASE_MS } from "../../adapters/wecom/delivery-claims.js";
import { startFakeWecomApi } from "../../adapters/wecom/testing/fake-wecom-api.js";
import { createLogger } from "../../src/core/logger.js";
import { startBot } from "../../src/main.js";
import { openSqliteStateStore } from "../../src/state/sqlite-state-store.js";
import { botEnvironment, copySeedKnowledge } from "../server/support/test-server.js";
import { APP_KEYS, postAppText, WEBHOOK_KEY, wecomEnvironment } from "../wecom/support/wecom-test-server.js";

const logger = createLogger("silent");
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "kb-delivery-leases-"));
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

it("a WeCom message claimed by a process that died before acknowledging it is answered after the restart, once", async () => {
  const knowledge = await copySeedKnowledge();
  const fakeApi = await startFakeWecomApi({ corpId: APP_KEYS.corpId, secret: APP_KEYS.secret, webhookKey: WEBHOOK_KEY });
  const dataDir = path.join(root, "wecom");
  const msgId = `${Date.now()}41`;
  const userId = "restart-user";
  // The first process: it claimed the delivery, then died before answering WeCom.
  const before = await openSqliteStateStore({ dataDir });
  expect(await claimDelivery(before, `app:${msgId}`, logger)).toBe(true);
  await before.close();
  // WeCom re-sends after 5 s without an answer: the lease has lapsed by then.
  await new Promise((resolve) => setTimeout(resolve, DELIVERY_LEASE_MS));

  const restarted = await startBot({
    environment: {
      ...botEnvironment({ knowledgeDir: knowledge.knowledgeDir, indexDir: path.join(root, "index"), dataDir: dataDir }),
      ...wecomEnvironment(fakeApi.baseUrl),
    },
    handleSignals: false,
  });
  try {
    const deliver = async () => {
      const response = await postAppText(restarted.url, { userId, content: "五指山在哪个省", msgId });
      expect(response.status).toBe(200);
    };
    await deliver();
    const sentTo = () => fakeApi.sentMessages.filter((call) => call.body.touser === userId);
    await fakeApi.waitFor(() => sentTo().length >= 1);
    await deliver();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(sentTo()).toHaveLength(1);
    // Confirmed for a day, not left as a lease.
    expect(await restarted.store.claim("wecom-msgid", `app:${msgId}`, DELIVERY_LEASE_MS, Date.now() + DELIVERY_LEASE_MS + 1)).toBe(false);
  } finally {
    await restarted.stop();
    await fakeApi.close();
    await knowledge.cleanup();
  }
});
