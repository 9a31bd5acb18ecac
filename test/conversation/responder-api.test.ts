/**
 * POST /api/ask through the shared responder on a real server over a real index: the client's
 * `conversationId` names the conversation, a new one is issued when none is sent, and `/new` starts
 * over. The bot's answer method is watched (not replaced) to see the history each question carried.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { KnowledgeBotError } from "../../src/core/errors.js";
import type { Query } from "../../src/core/types.js";
import { startTestServer, type TestServer } from "../server/support/test-server.js";

const FIRST_QUESTION = "江苏省内农保卡可以跨市使用么";
const FOLLOW_UP = "那职工医保呢？";

let server: TestServer;
let answerCalls: MockInstance;

beforeAll(async () => {
  server = await startTestServer();
  answerCalls = vi.spyOn(server.bot, "answer");
});

afterAll(async () => {
  await server?.close();
});

beforeEach(() => {
  answerCalls.mockClear();
});

async function ask(body: Record<string, unknown>) {
  const response = await server.post("/api/ask", body);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function askedQueries(): Query[] {
  return answerCalls.mock.calls.map((call) => call[0] as Query);
}

describe("POST /api/ask conversations", () => {
  it("issues a new conversationId when none is sent, and each new one starts without history", async () => {
    const first = await ask({ question: FIRST_QUESTION });
    const second = await ask({ question: FIRST_QUESTION });
    expect(first.status).toBe(200);
    expect(first.body.kind).toBe("answer");
    expect(first.body.conversationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.body.conversationId).not.toBe(first.body.conversationId);
    expect(askedQueries().map((query) => query.history)).toEqual([[], []]);
  });

  it("answers a follow-up with the earlier turns of the conversation the client names", async () => {
    const first = await ask({ question: FIRST_QUESTION });
    const conversationId = first.body.conversationId as string;
    const citedFirst = (first.body.citations as { sourceId: string }[]).map((citation) => citation.sourceId);
    const followUp = await ask({ question: FOLLOW_UP, conversationId });
    expect(followUp.status).toBe(200);
    expect(followUp.body.conversationId).toBe(conversationId);
    const [, followUpQuery] = askedQueries();
    expect(followUpQuery!.text).toBe(FOLLOW_UP);
    expect(followUpQuery!.platform).toBe("web");
    expect(followUpQuery!.history).toEqual([
      { question: FIRST_QUESTION, resolvedQuestion: FIRST_QUESTION, citedSourceIds: [...new Set(citedFirst)], at: expect.any(Number) },
    ]);

    // Another conversation knows nothing of it.
    await ask({ question: FOLLOW_UP, conversationId: "another-tab" });
    expect(askedQueries()[2]!.history).toEqual([]);
  });

  it("/new starts the named conversation over", async () => {
    const conversationId = "tab-to-restart";
    await ask({ question: FIRST_QUESTION, conversationId });
    const restarted = await ask({ question: "/new", conversationId });
    expect(restarted.body).toMatchObject({ kind: "text", text: REPLY_TEXTS.newConversation, conversationId, citations: [], related: [] });
    await ask({ question: FOLLOW_UP, conversationId });
    expect(askedQueries().map((query) => query.history)).toEqual([[], []]);
  });

  it("refuses a conversationId that is not a plain id, naming the field", async () => {
    for (const conversationId of ["has space", "x".repeat(129), 42, { id: 1 }]) {
      const refused = await ask({ question: FIRST_QUESTION, conversationId });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: { code: "CONVERSATION_ID_INVALID" } });
    }
    expect(askedQueries()).toEqual([]);
  });

  it("answers a failed answer with the error's status and code, not a 200 notice (its words are the admin's: test/security/backend-failure-details.test.ts)", async () => {
    answerCalls.mockRejectedValueOnce(new KnowledgeBotError("EMBEDDER_REQUEST", "The embeddings server did not answer.", "Check EMBEDDINGS_BASE_URL."));
    const failed = await ask({ question: FIRST_QUESTION });
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ error: { code: "EMBEDDER_REQUEST" } });
    expect(JSON.stringify(failed.body)).not.toContain("EMBEDDINGS_BASE_URL");
    // The conversation is free again for the next question.
    expect((await ask({ question: FIRST_QUESTION })).status).toBe(200);
  });

  it("refuses admin commands without the admin token, in the shared words", async () => {
    const refused = await ask({ question: "/reindex" });
    expect(refused.body).toMatchObject({ kind: "text", text: REPLY_TEXTS.notAdmin });
  });
});
