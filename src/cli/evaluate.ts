/**
 * Retrieval quality on a query file (hit@1/5/10, MRR@10, latency per query), and follow-up
 * understanding on a conversation file (share right alone and with memory).
 */
import { readFile } from "node:fs/promises";
import { KnowledgeBotError } from "../core/errors.js";
import type { KnowledgeBot } from "../core/knowledge-bot.js";
import type { Answer, ConversationTurn } from "../core/types.js";
import { retrieve } from "../retrieval/retrieve.js";
import type { LoadedIndex } from "../store/loaded-index.js";

export interface EvaluationQuery {
  query: string;
  expected: string[];
}

export interface EvaluationReport {
  queries: number;
  k: number;
  hitAt1: number;
  hitAt5: number;
  hitAt10: number;
  mrrAt10: number;
  /** Share of queries answered with "no answer" although an expected source exists. */
  noAnswerRate: number;
  latencyMs: { p50: number; p99: number; mean: number };
  /** The queries not right at k, for reading why: what was expected and what came back. */
  misses: EvaluationMiss[];
}

export interface EvaluationMiss {
  query: string;
  expected: { sourceId: string; title: string }[];
  /** The sources returned, best first; empty on a no-answer. */
  returned: { sourceId: string; title: string }[];
  noAnswer: boolean;
}

/** Every expected id must name a source of the index: a typo or a stale file would count as a miss forever. */
export function checkExpectedIds(index: LoadedIndex, queries: readonly EvaluationQuery[], file: string): void {
  const unknown = [...new Set(queries.flatMap((query) => query.expected).filter((id) => !index.sources.has(id)))];
  if (unknown.length === 0) return;
  throw new KnowledgeBotError(
    "USAGE",
    `${file}: ${unknown.length} expected id(s) not in the index (${index.version}): ${unknown.slice(0, 5).join(", ")}${unknown.length > 5 ? ", …" : ""}`,
    "Check the ids against `kb search` output, or run kb reindex if the sources were added since the index was built.",
  );
}

/** What a JSONL evaluation file is, for its error messages. */
interface JsonLinesFormat {
  /** The command-line flag that names the file. */
  flag: string;
  /** An example file to point at when the file cannot be read. */
  example: string;
  /** The line shape, as the hint shows it. */
  shape: string;
}

/** Reads a JSONL file line by line; a line `parse` refuses is a USAGE error naming the file and line. */
async function readJsonLines<T>(file: string, format: JsonLinesFormat, parse: (value: unknown) => T): Promise<T[]> {
  const text = await readFile(file, "utf8").catch((error: Error) => {
    throw new KnowledgeBotError("USAGE", `Cannot read ${file}: ${error.message}`, `Pass a JSONL file such as ${format.example} with ${format.flag}.`);
  });
  return text
    .split(/\r?\n/)
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line !== "")
    .map(({ line, number }) => {
      try {
        return parse(JSON.parse(line));
      } catch (error) {
        throw new KnowledgeBotError("USAGE", `${file}:${number}: ${(error as Error).message}`, `Each line must be ${format.shape}.`);
      }
    });
}

export function readEvaluationQueries(file: string): Promise<EvaluationQuery[]> {
  const format = { flag: "--queries", example: "../shared/eval/medqa/dev-queries.jsonl", shape: '{"query": "...", "expected": ["source-id"]}' };
  return readJsonLines(file, format, (value) => {
    const parsed = value as { query?: unknown; expected?: unknown };
    if (typeof parsed.query !== "string" || !Array.isArray(parsed.expected)) throw new Error("needs a string `query` and an `expected` list");
    return { query: parsed.query, expected: parsed.expected.map(String) };
  });
}

export function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
}

export async function evaluate(index: LoadedIndex, queries: EvaluationQuery[], k = 10): Promise<EvaluationReport> {
  let hit1 = 0;
  let hit5 = 0;
  let hit10 = 0;
  let reciprocalRanks = 0;
  let noAnswers = 0;
  const latencies: number[] = [];
  const misses: EvaluationMiss[] = [];
  const titled = (sourceId: string) => ({ sourceId, title: index.sources.get(sourceId)?.title ?? "" });
  for (const { query, expected } of queries) {
    const started = performance.now();
    const result = await retrieve(index, query, Math.max(k, 10));
    latencies.push(performance.now() - started);
    if (result.noAnswer && expected.length > 0) noAnswers++;
    // `"expected": []` means the right reply is no answer: it is right at every rank or at none.
    const rank = expected.length === 0 ? (result.noAnswer ? 1 : 0) : result.hits.findIndex((hit) => expected.includes(hit.sourceId)) + 1;
    if (rank === 0 || rank > k)
      misses.push({
        query,
        expected: expected.map(titled),
        returned: result.noAnswer ? [] : result.hits.slice(0, k).map((hit) => titled(hit.sourceId)),
        noAnswer: result.noAnswer,
      });
    if (rank >= 1 && rank <= 1) hit1++;
    if (rank >= 1 && rank <= 5) hit5++;
    if (rank >= 1 && rank <= 10) hit10++;
    if (rank >= 1 && rank <= 10) reciprocalRanks += 1 / rank;
  }
  const count = queries.length || 1;
  const sorted = [...latencies].sort((left, right) => left - right);
  return {
    queries: queries.length,
    k,
    hitAt1: hit1 / count,
    hitAt5: hit5 / count,
    hitAt10: hit10 / count,
    mrrAt10: reciprocalRanks / count,
    noAnswerRate: noAnswers / count,
    latencyMs: {
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      mean: latencies.reduce((sum, value) => sum + value, 0) / count,
    },
    misses,
  };
}

/** Share answered of each group of an unanswerable set (see unanswerable-set.ts): `expected: []` is unanswerable. */
export interface UnanswerableReport {
  unanswerable: { queries: number; answered: number };
  /** `rightFirst`: share answered with an expected source first. */
  answerable: { queries: number; answered: number; rightFirst: number };
  /** Uncovered questions that got an answer and covered ones that did not, for reading why. */
  misses: UnanswerableMiss[];
}

export interface UnanswerableMiss {
  query: string;
  /** True when the question is covered (it has expected sources). */
  covered: boolean;
  /** True for an uncovered question answered or a covered one answered from the wrong source; false for a covered one given no answer. */
  answered: boolean;
  /** The best sources, best first (a no-answer's would-be sources). */
  returned: { sourceId: string; title: string }[];
  /** The question's subject words and where each was found (subject-coverage.ts). */
  subjects: string[];
  /** What a no-answer named as missing. */
  missingSubject?: string;
}

export async function evaluateUnanswerable(index: LoadedIndex, queries: readonly EvaluationQuery[]): Promise<UnanswerableReport> {
  const groups = { unanswerable: { queries: 0, answered: 0 }, answerable: { queries: 0, answered: 0 } };
  let rightFirst = 0;
  const misses: UnanswerableMiss[] = [];
  for (const { query, expected } of queries) {
    const group = expected.length === 0 ? groups.unanswerable : groups.answerable;
    group.queries++;
    const result = await retrieve(index, query, 10);
    if (!result.noAnswer) group.answered++;
    const right = expected.length === 0 ? result.noAnswer : !result.noAnswer && expected.includes(result.hits[0]?.sourceId);
    if (right && expected.length > 0) rightFirst++;
    if (right) continue;
    misses.push({
      query,
      covered: expected.length > 0,
      answered: !result.noAnswer,
      returned: result.hits.slice(0, 3).map((hit) => ({ sourceId: hit.sourceId, title: hit.title })),
      subjects: (result.confidence.subjects ?? []).map((subject) => `${subject.word}(${subject.found})`),
      ...(result.missingSubject ? { missingSubject: result.missingSubject } : {}),
    });
  }
  const share = (count: number, of: number) => (of === 0 ? 0 : count / of);
  return {
    unanswerable: { queries: groups.unanswerable.queries, answered: share(groups.unanswerable.answered, groups.unanswerable.queries) },
    answerable: {
      queries: groups.answerable.queries,
      answered: share(groups.answerable.answered, groups.answerable.queries),
      rightFirst: share(rightFirst, groups.answerable.queries),
    },
    misses,
  };
}

/** One conversation of a conversation set: its turns and what the last answer must do. */
export interface EvaluationConversation {
  turns: string[];
  /** Source ids of which the last answer must cite at least one; empty when it must be a no-answer. */
  expected: string[];
  /** What the conversation exercises (follow-up, topic switch, off-topic), for reading the report. */
  kind?: string;
}

export interface ConversationReport {
  conversations: number;
  /** Share whose last answer is right when the last message is asked on its own. */
  alone: number;
  /** Share whose last answer is right when the earlier turns are remembered. */
  withMemory: number;
  /** Share of last messages that were rewritten with memory. */
  rewritten: number;
  /** Per conversation, for reading what went wrong. */
  results: { turns: string[]; kind?: string; alone: boolean; withMemory: boolean; understoodAs?: string; cited: string[] }[];
}

/** A line is {"turns": ["...", "..."], "expected": ["source-id", ...]} or {"turns": [...], "noAnswer": true}. */
export function readEvaluationConversations(file: string): Promise<EvaluationConversation[]> {
  const format = {
    flag: "--conversations",
    example: "test/fixtures/conversations-seed-page.jsonl",
    shape: '{"turns": ["...", "..."], "expected": ["source-id"]} or {"turns": [...], "noAnswer": true}',
  };
  return readJsonLines(file, format, (value) => {
    const parsed = value as { turns?: unknown; expected?: unknown; noAnswer?: unknown; kind?: unknown };
    const turns = Array.isArray(parsed.turns) ? parsed.turns.filter((turn): turn is string => typeof turn === "string") : [];
    if (turns.length === 0 || turns.length !== (parsed.turns as unknown[]).length) throw new Error("needs a non-empty `turns` list of strings");
    const expected = Array.isArray(parsed.expected) ? parsed.expected.map(String) : [];
    if ((expected.length === 0) !== (parsed.noAnswer === true)) throw new Error("needs either a non-empty `expected` list or `noAnswer: true`");
    return { turns, expected, ...(typeof parsed.kind === "string" ? { kind: parsed.kind } : {}) };
  });
}

const isRight = (answer: Answer, expected: string[]) =>
  expected.length === 0 ? answer.noAnswer : !answer.noAnswer && answer.citations.some((citation) => expected.includes(citation.sourceId));

/**
 * Asks every conversation twice: its last message alone, and all its turns in order with each
 * earlier turn remembered as the responder remembers it.
 */
export async function evaluateConversations(bot: Pick<KnowledgeBot, "answer">, conversations: EvaluationConversation[]): Promise<ConversationReport> {
  const results: ConversationReport["results"] = [];
  for (const conversation of conversations) {
    const last = conversation.turns.at(-1)!;
    const alone = await bot.answer({ text: last, platform: "eval" });
    const history: ConversationTurn[] = [];
    let answer = alone;
    for (const [position, question] of conversation.turns.entries()) {
      answer = await bot.answer({ text: question, platform: "eval", history: [...history] });
      if (position < conversation.turns.length - 1)
        history.push({
          question,
          resolvedQuestion: answer.understoodAs ?? question,
          citedSourceIds: answer.noAnswer ? [] : answer.citations.map((citation) => citation.sourceId),
          at: position,
        });
    }
    results.push({
      turns: conversation.turns,
      ...(conversation.kind ? { kind: conversation.kind } : {}),
      alone: isRight(alone, conversation.expected),
      withMemory: isRight(answer, conversation.expected),
      ...(answer.understoodAs ? { understoodAs: answer.understoodAs } : {}),
      cited: answer.noAnswer ? [] : answer.citations.map((citation) => citation.sourceId),
    });
  }
  const share = (count: number) => (results.length === 0 ? 0 : count / results.length);
  return {
    conversations: results.length,
    alone: share(results.filter((result) => result.alone).length),
    withMemory: share(results.filter((result) => result.withMemory).length),
    rewritten: share(results.filter((result) => result.understoodAs !== undefined).length),
    results,
  };
}
