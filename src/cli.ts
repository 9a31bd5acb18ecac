/**
 * The `kb` command: reindex, ask, search, eval, serve. Flags override the environment (.env);
 * unknown flags and missing values fail with usage.
 */
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { Command, CommanderError, Option } from "commander";
import type { DestinationStream } from "pino";
import { type AppConfig, ConfigError, loadConfig, loadDotEnvFile } from "./config.js";
import { isKnowledgeBotError, KnowledgeBotError } from "./core/errors.js";
import { createLogger, type Logger } from "./core/logger.js";
import { configuredSecrets } from "./configured-secrets.js";
import { buildIndex } from "./ingest/build-index.js";
import { describeProblem } from "./ingest/source-problem.js";
import { LocalKnowledgeBot } from "./bot/local-knowledge-bot.js";
import {
  checkExpectedIds,
  evaluate,
  evaluateConversations,
  evaluateUnanswerable,
  readEvaluationConversations,
  readEvaluationQueries,
  type UnanswerableReport,
} from "./cli/evaluate.js";
import { evaluateRandomTopics } from "./cli/random-topic-evaluation.js";
import { reindexBesideReplicas } from "./cli/reindex-beside-replicas.js";
import { createProgressReporter } from "./cli/reindex-progress.js";
import { answerToJson } from "./answer/answer-json.js";
import { renderAnswerText } from "./cli/render-answer.js";
import { retrieve } from "./retrieval/retrieve.js";
import { loadIndex } from "./store/loaded-index.js";

interface IoStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 1000)
    throw new CommanderError(2, "kb.invalidArgument", `--k must be a whole number from 1 to 1000, not "${value}"`);
  return parsed;
}

interface EvalFlags {
  queries?: string;
  conversations?: string;
  unanswerable?: string;
  corpus?: string;
  randomTopics?: number;
  seed: number;
  misses?: boolean;
  index?: string;
  k: number;
  json?: boolean;
}

/** Log lines (the state store's warnings) go to stderr: stdout carries the command's output, e.g. --json. */
function cliLogger(config: AppConfig, stderr: NodeJS.WritableStream): Logger {
  return createLogger(config.logLevel, stderr as DestinationStream, { secrets: configuredSecrets(config) });
}

function configWith(flags: { knowledge?: string; index?: string }): AppConfig {
  return loadConfig({
    ...process.env,
    ...(flags.knowledge ? { KNOWLEDGE_DIR: flags.knowledge } : {}),
    ...(flags.index ? { INDEX_DIR: flags.index } : {}),
  });
}

export function buildProgram(io: IoStreams): Command {
  const write = (text: string) => io.stdout.write(`${text}\n`);
  const program = new Command("kb")
    .description("Knowledge base for the chat bot: build the index, ask it, evaluate it.")
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .exitOverride()
    .showHelpAfterError("(run `kb --help` for usage)");

  program
    .command("reindex")
    .description("Re-index the knowledge folder incrementally (only changed sources are embedded).")
    .option("--knowledge <dir>", "knowledge folder (default: KNOWLEDGE_DIR or ./knowledge)")
    .option("--index <dir>", "index folder (default: INDEX_DIR or ./.index)")
    .option("--full", "rebuild everything, re-fitting and re-embedding every source")
    .option("--dry-run", "print what would change without writing")
    .option("--json", "print the summary as JSON")
    .action(async (flags: { knowledge?: string; index?: string; full?: boolean; dryRun?: boolean; json?: boolean }) => {
      const config = configWith(flags);
      const progress = createProgressReporter(!flags.json, io.stderr as NodeJS.WriteStream);
      const interrupt = stopOnSignals();
      const build = (lockLost?: AbortSignal) =>
        buildIndex({
          knowledgeDir: config.knowledgeDir,
          indexDir: config.indexDir,
          embedder: config.embedder,
          limits: config.limits,
          full: flags.full,
          dryRun: flags.dryRun,
          onProgress: progress.onProgress,
          signal: lockLost ? AbortSignal.any([interrupt.signal, lockLost]) : interrupt.signal,
        });
      // Beside replicas sharing PostgreSQL: their re-index lock, an announcement, the shared history. A dry run writes nothing and needs none.
      const run =
        config.databaseUrl && !flags.dryRun
          ? reindexBesideReplicas({ config, logger: cliLogger(config, io.stderr), signal: interrupt.signal }, build)
          : build();
      const { summary, problems } = await run.finally(() => {
        interrupt.dispose();
        progress.stop();
      });
      if (flags.json) {
        write(
          JSON.stringify({ ...summary, durationMs: Math.round(summary.durationMs), warnings: problems.filter((problem) => problem.severity === "warning") }),
        );
        return;
      }
      for (const problem of problems) io.stderr.write(`${describeProblem(problem)}\n`);
      const list = (label: string, ids: string[]) =>
        ids.length > 0 && write(`${label} (${ids.length}): ${ids.slice(0, 20).join(", ")}${ids.length > 20 ? ", …" : ""}`);
      write(
        `${summary.dryRun ? "Dry run: " : ""}${summary.sources} sources; ${summary.added.length} added, ${summary.changed.length} changed, ${summary.removed.length} removed, ${summary.unchanged} unchanged.`,
      );
      list("added", summary.added);
      list("changed", summary.changed);
      list("removed", summary.removed);
      if (!summary.dryRun)
        write(
          `Index ${summary.version}: ${summary.chunks} chunks, ${summary.embeddedChunks} embedded${summary.full ? " (full rebuild)" : ""}, ${(summary.durationMs / 1000).toFixed(2)} s.`,
        );
      if (summary.errors.length > 0) write(`${summary.errors.length} file(s) or row(s) had errors and were left out (see above).`);
    });

  program
    .command("ask")
    .description("Answer one question from the index.")
    .argument("<question>", "the question")
    .option("--index <dir>", "index folder (default: INDEX_DIR or ./.index)")
    .option("--json", "print the answer as JSON")
    .action(async (question: string, flags: { index?: string; json?: boolean }) => {
      const config = configWith(flags);
      const bot = await LocalKnowledgeBot.open({
        knowledgeDir: config.knowledgeDir,
        indexDir: config.indexDir,
        embedder: config.embedder,
        publicBaseUrl: config.publicBaseUrl,
        answerMaxChars: config.answerMaxChars,
      });
      const answer = await bot.answer({ text: question, platform: "cli" });
      write(flags.json ? JSON.stringify(answerToJson(answer)) : renderAnswerText(answer));
    });

  program
    .command("search")
    .description('Rank sources for a question given as an argument, or for queries read as JSON lines {"query": "..."} on stdin.')
    .argument("[question]", "the question (without it, JSON lines are read from stdin)")
    .option("--index <dir>", "index folder (default: INDEX_DIR or ./.index)")
    .addOption(new Option("--k <n>", "results per query").default(10).argParser(positiveInteger))
    .option("--json", "write JSON lines (the only output format)")
    .action(async (question: string | undefined, flags: { index?: string; k: number; json?: boolean }) => {
      const config = configWith(flags);
      const index = await loadIndex(config.indexDir, config.embedder);
      const search = async (query: string) => {
        const result = await retrieve(index, query, flags.k);
        const results = result.hits.map(({ sourceId, title, url, score }) => ({ sourceId, title, url: url ?? null, score }));
        write(JSON.stringify({ query, noAnswer: result.noAnswer, results }));
      };
      if (question !== undefined) {
        await search(question);
        return;
      }
      const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
      let lineNumber = 0;
      const badLines: number[] = [];
      for await (const line of lines) {
        lineNumber++;
        if (line.trim() === "") continue;
        let query: string;
        try {
          const parsed = JSON.parse(line) as { query?: unknown };
          if (typeof parsed.query !== "string") throw new Error("missing string field `query`");
          query = parsed.query;
        } catch (error) {
          // Reported in place so the other lines' results still line up, and the exit code says it failed.
          write(JSON.stringify({ line: lineNumber, error: `${(error as Error).message}; expected {"query": "..."}` }));
          badLines.push(lineNumber);
          continue;
        }
        await search(query);
      }
      if (badLines.length > 0)
        throw new KnowledgeBotError(
          "USAGE",
          `stdin line(s) ${badLines.join(", ")} are not {"query": "..."} JSON`,
          'Send one JSON object a line, such as {"query": "医保卡能跨市用吗"}, or pass the question as an argument.',
        );
    });

  /** The figures of an unanswerable evaluation, and with `misses` every question not handled right. */
  function writeUnanswerableReport(report: UnanswerableReport, misses: boolean): void {
    const fixed = (value: number) => value.toFixed(3);
    write(`unanswerable answered ${fixed(report.unanswerable.answered)} of ${report.unanswerable.queries} (lower is better)`);
    write(`answerable answered ${fixed(report.answerable.answered)} of ${report.answerable.queries} (higher is better)`);
    write(`answerable answered with the right source first ${fixed(report.answerable.rightFirst)} (higher is better)`);
    if (misses)
      for (const miss of report.misses)
        write(
          `${!miss.covered ? "uncovered, answered" : miss.answered ? "covered, wrong source first" : "covered, no answer"}: ${miss.query} → ${miss.returned.map((hit) => hit.title).join(" | ") || "(nothing)"} (subjects: ${miss.subjects.join("、") || "none"}${miss.missingSubject ? `; missing 「${miss.missingSubject}」` : ""})`,
        );
  }

  program
    .command("eval")
    .description("Measure retrieval on a query file (hit@1/5/10, MRR@10, latency) or follow-ups on a conversation file (right alone vs with memory).")
    .option("--queries <file>", 'JSONL file of {"query", "expected": [ids]}')
    .option("--conversations <file>", 'JSONL file of {"turns": [...], "expected": [ids]} or {"turns": [...], "noAnswer": true}')
    .option("--unanswerable <file>", 'JSONL file of {"query", "expected": [ids]} where "expected": [] marks a question the index does not cover')
    .option("--corpus <csv>", "with --random-topics and --queries: the question/answer corpus to remove the topics from")
    .addOption(
      new Option("--random-topics <n>", "remove n medical topics drawn at random from --corpus, index the rest, and ask --queries").argParser(positiveInteger),
    )
    .addOption(new Option("--seed <n>", "seed of the topic draw").default(1).argParser(positiveInteger))
    .option("--misses", "also print the queries not right at k, with the expected and returned titles")
    .option("--index <dir>", "index folder (default: INDEX_DIR or ./.index)")
    .addOption(new Option("--k <n>", "ranks considered").default(10).argParser(positiveInteger))
    .option("--json", "print the report as JSON")
    .action(async (flags: EvalFlags) => {
      const config = configWith(flags);
      if (flags.randomTopics !== undefined) {
        if (!flags.corpus || !flags.queries)
          throw new KnowledgeBotError(
            "USAGE",
            "--random-topics needs --corpus and --queries",
            "Pass the corpus CSV and its query file, e.g. --corpus corpus.csv --queries dev-queries.jsonl.",
          );
        const corpusCsv = await readFile(flags.corpus, "utf8").catch((error: Error) => {
          throw new KnowledgeBotError("USAGE", `Cannot read ${flags.corpus}: ${error.message}`, "Pass a CSV with id, question and answer columns.");
        });
        const report = await evaluateRandomTopics(corpusCsv, await readEvaluationQueries(flags.queries), {
          count: flags.randomTopics,
          seed: flags.seed,
          embedder: config.embedder,
        });
        if (flags.json) write(JSON.stringify(report));
        else {
          write(`seed ${report.seed}: removed ${report.topics.join("、")} (${report.removedSources} sources)`);
          writeUnanswerableReport(report, flags.misses === true);
        }
        return;
      }
      if ([flags.queries, flags.conversations, flags.unanswerable].filter(Boolean).length !== 1)
        throw new KnowledgeBotError(
          "USAGE",
          "kb eval needs exactly one of --queries and --conversations, or --unanswerable",
          "Pass --queries <file> to measure retrieval, --conversations <file> to measure follow-ups, or --unanswerable <file> for the share answered of covered and uncovered questions.",
        );
      if (flags.unanswerable) {
        const queries = await readEvaluationQueries(flags.unanswerable);
        const index = await loadIndex(config.indexDir, config.embedder);
        checkExpectedIds(index, queries, flags.unanswerable);
        const report = await evaluateUnanswerable(index, queries);
        if (flags.json) {
          write(JSON.stringify(report));
          return;
        }
        write(`index ${index.version}, ${index.manifest.counts.sources} sources`);
        writeUnanswerableReport(report, flags.misses === true);
        return;
      }
      if (flags.conversations) {
        const conversations = await readEvaluationConversations(flags.conversations);
        const bot = await LocalKnowledgeBot.open({
          knowledgeDir: config.knowledgeDir,
          indexDir: config.indexDir,
          embedder: config.embedder,
          publicBaseUrl: config.publicBaseUrl,
        });
        const report = await evaluateConversations(bot, conversations);
        if (flags.json) {
          write(JSON.stringify(report));
          return;
        }
        const fixed = (value: number) => value.toFixed(3);
        write(`conversations ${report.conversations} (index ${bot.current.version})`);
        write(`right alone ${fixed(report.alone)}  right with memory ${fixed(report.withMemory)}  rewritten ${fixed(report.rewritten)}`);
        for (const result of report.results.filter((entry) => !entry.withMemory))
          write(`wrong with memory: ${result.turns.join(" → ")}${result.understoodAs ? ` (understood as ${result.understoodAs})` : ""}`);
        return;
      }
      const queries = await readEvaluationQueries(flags.queries!);
      const index = await loadIndex(config.indexDir, config.embedder);
      checkExpectedIds(index, queries, flags.queries!);
      const started = performance.now();
      const report = await evaluate(index, queries, flags.k);
      const seconds = (performance.now() - started) / 1000;
      if (flags.json) {
        const { misses, ...figures } = report;
        write(JSON.stringify({ ...figures, ...(flags.misses ? { misses } : {}), seconds }));
        return;
      }
      const fixed = (value: number) => value.toFixed(3);
      write(`queries ${report.queries} (index ${index.version}, ${index.manifest.counts.sources} sources)`);
      write(`hit@1 ${fixed(report.hitAt1)}  hit@5 ${fixed(report.hitAt5)}  hit@10 ${fixed(report.hitAt10)}  MRR@10 ${fixed(report.mrrAt10)}`);
      write(
        `no-answer rate ${fixed(report.noAnswerRate)}  latency p50 ${report.latencyMs.p50.toFixed(2)} ms  p99 ${report.latencyMs.p99.toFixed(2)} ms  (${seconds.toFixed(1)} s total)`,
      );
      if (!flags.misses) return;
      const titles = (sources: { sourceId: string; title: string }[]) => sources.map((source) => `${source.title} (${source.sourceId})`).join("; ");
      write(`misses ${report.misses.length} (not right at k=${report.k})`);
      for (const miss of report.misses) {
        write(`- ${miss.query}`);
        write(`  expected: ${miss.expected.length === 0 ? "no answer" : titles(miss.expected)}`);
        write(`  returned: ${miss.noAnswer ? "no answer" : titles(miss.returned)}`);
      }
    });

  program
    .command("serve")
    .description("Run the bot: web page, API and the chat adapters whose credentials are set (same as npm start).")
    .action(async () => {
      const { startBot } = await import("./main.js");
      await startBot();
    });

  return program;
}

/**
 * SIGINT/SIGTERM during a re-index abort it: the build stops at its next pause (within ~50 ms of
 * work), removes its staging folder and fails with REINDEX_INTERRUPTED, which is printed as one
 * line. A second signal while it winds down exits at once.
 */
function stopOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(signal === "SIGINT" ? 130 : 143);
    controller.abort(`${signal} received`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** Runs the CLI and returns the exit code: 0 success, 1 failure, 2 usage. */
export async function runCli(argv: string[], io: IoStreams = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }): Promise<number> {
  loadDotEnvFile();
  const program = buildProgram(io);
  if (argv.length === 0) {
    program.outputHelp();
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return 0;
      if (error.code === "kb.invalidArgument") io.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.stderr.write(`${error.message}\n${error.hint}\n`);
      return 2;
    }
    if (isKnowledgeBotError(error)) {
      io.stderr.write(`error: ${error.describe()}\n`);
      return error.code === "USAGE" ? 2 : 1;
    }
    io.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
