/**
 * Several replicas on one PostgreSQL, measured on this machine:
 *   - throughput: /api/ask requests per second and p99 against one replica, then against two
 *     (each its own process, same index and database), the same total connections, alternating
 *     one / two / one / two so both meet the same machine;
 *   - log write: /api/ask p50/p99 on a replica whose state store is PostgreSQL beside one on
 *     SQLite, requests interleaved one by one, so the difference is the store.
 * The PostgreSQL is BENCH_DATABASE_URL's server (a user allowed to CREATE DATABASE), or a
 * throw-away cluster from Debian's `postgresql` package with fsync on and synchronous_commit off
 * (SQLite runs WAL with synchronous=NORMAL: neither waits for a disk flush on each commit).
 * Run alone with `npx tsx bench/replicas.ts`, or as part of `npm run bench`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { freePort, serverOn, startPostgresCluster, type PostgresCluster, type PostgresServer } from "../test/postgres/support/postgres-cluster.js";

interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  duration: number;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (options: {
  url: string;
  connections: number;
  duration: number;
  requests: { setupRequest: (request: AutocannonRequest) => AutocannonRequest }[];
}) => Promise<AutocannonResult>;

const here = path.dirname(fileURLToPath(import.meta.url));
const fromDist = import.meta.url.includes("/dist/");
const projectRoot = path.resolve(here, fromDist ? "../.." : "..");
/** Linux's USER_HZ: /proc reports CPU time in these. */
const CLOCK_TICKS = 100;
const QUESTIONS = ["亲情账户和家庭共济账户有什么区别", "五指山在哪个省", "宝宝湿疹怎么护理", "江苏省内农保卡可以跨市使用么", "医保卡丢了怎么办"];

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

interface Replica {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** src/main.ts (or dist/src/main.js under `npm run bench`) as a process of its own, on a free port. */
async function startReplica(environment: Record<string, string>): Promise<Replica> {
  const port = await freePort();
  const args = fromDist
    ? [path.join(projectRoot, "dist/src/main.js")]
    : ["--import", pathToFileURL(path.join(projectRoot, "node_modules/tsx/dist/loader.mjs")).href, path.join(projectRoot, "src/main.ts")];
  const child = spawn(process.execPath, args, {
    cwd: os.tmpdir(),
    env: {
      PATH: process.env.PATH ?? "",
      HOME: os.tmpdir(),
      HOST: "127.0.0.1",
      PORT: String(port),
      RATE_LIMIT_PER_MINUTE: "0",
      LOG_LEVEL: "warn",
      ...environment,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let errors = "";
  child.stderr!.on("data", (chunk: Buffer) => (errors = (errors + chunk.toString("utf8")).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`a replica exited before serving:\n${errors}`);
    const healthy = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) throw new Error("a replica did not start in 5 minutes");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    child,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

async function load(urls: string[], connections: number, durationSeconds: number): Promise<{ requestsPerSecond: number; p99Ms: number; failed: number }> {
  let counter = 0;
  const results = await Promise.all(
    urls.map((url) =>
      autocannon({
        url,
        connections: Math.max(1, Math.round(connections / urls.length)),
        duration: durationSeconds,
        requests: [
          {
            setupRequest: (request) => ({
              ...request,
              method: "POST",
              path: "/api/ask",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ question: QUESTIONS[counter++ % QUESTIONS.length] }),
            }),
          },
        ],
      }),
    ),
  );
  return {
    requestsPerSecond: results.reduce((sum, result) => sum + result.requests.total / result.duration, 0),
    // The slower replica's p99 stands for the pair: no request did better than the worse of the two promised.
    p99Ms: Math.max(...results.map((result) => result.latency.p99)),
    failed: results.reduce((sum, result) => sum + result.non2xx + result.errors, 0),
  };
}

/** CPU seconds (user + system) the processes have used so far, from /proc; 0 where it cannot be read. */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name: utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone, or not Linux.
    }
  }
  return ticks / CLOCK_TICKS;
}

/** The server process and its children (one backend per connection). */
function postgresPids(postmaster: number | undefined): number[] {
  if (!postmaster) return [];
  const children = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/stat`, "utf8").split(") ")[1]!.split(" ")[1] === String(postmaster);
      } catch {
        return false;
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

/**
 * The most two replicas could gain over one on this machine's cores, from CPU time per request: one
 * replica is bound by its one thread (the database and the load generator run beside it); two share
 * every core with them.
 */
function speedupCeiling(replicaCpuMs: number, otherCpuMs: number): number {
  const cores = os.cpus().length;
  const oneReplica = 1000 / Math.max(replicaCpuMs, (replicaCpuMs + otherCpuMs) / cores);
  const twoReplicas = Math.min(2000 / replicaCpuMs, (cores * 1000) / (replicaCpuMs + otherCpuMs));
  return twoReplicas / oneReplica;
}

async function askOnce(url: string, question: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question }) });
  await response.json();
  return performance.now() - started;
}

export interface ReplicaBenchOptions {
  /** Seconds per load phase (four phases). */
  durationSeconds?: number;
  connections?: number;
  /** Sequential requests per store in the log-write comparison. */
  rounds?: number;
}

export async function benchReplicas(options: ReplicaBenchOptions = {}): Promise<{ throughput: Record<string, unknown>; logWrite: Record<string, unknown> }> {
  const durationSeconds = options.durationSeconds ?? 10;
  const connections = options.connections ?? 16;
  const rounds = options.rounds ?? 600;
  const work = await mkdtemp(path.join(os.tmpdir(), "kb-bench-replicas-"));
  let cluster: PostgresCluster | undefined;
  const replicas: Replica[] = [];
  try {
    const server: PostgresServer = process.env.BENCH_DATABASE_URL
      ? serverOn(process.env.BENCH_DATABASE_URL)
      : (cluster = await startPostgresCluster({ durable: true }));
    const databaseUrl = await server.createDatabase("kb_bench");
    const shared = { KNOWLEDGE_DIR: path.join(projectRoot, "knowledge"), INDEX_DIR: path.join(work, "index") };
    // The first builds the index into the shared folder; the others start on it.
    const first = await startReplica({ ...shared, DATA_DIR: path.join(work, "data-1"), DATABASE_URL: databaseUrl });
    replicas.push(first);
    const second = await startReplica({ ...shared, DATA_DIR: path.join(work, "data-2"), DATABASE_URL: databaseUrl });
    replicas.push(second);
    const onSqlite = await startReplica({ ...shared, DATA_DIR: path.join(work, "data-sqlite") });
    replicas.push(onSqlite);

    // Warm-up of every replica, then one / two / one / two.
    for (const replica of replicas) for (let round = 0; round < 50; round++) await askOnce(replica.url, QUESTIONS[round % QUESTIONS.length]!);
    const one: Awaited<ReturnType<typeof load>>[] = [];
    const two: Awaited<ReturnType<typeof load>>[] = [];
    // CPU time per request of a replica and of PostgreSQL during the one-replica phases: unlike
    // requests per second it hardly depends on what else the machine runs, and it bounds the speedup.
    const cpu = { replica: 0, postgres: 0, bench: 0, requests: 0 };
    for (let round = 0; round < 2; round++) {
      const pids = postgresPids(cluster?.postmasterPid());
      const before = { replica: cpuSeconds([first.child.pid!]), postgres: cpuSeconds(pids), bench: process.cpuUsage() };
      const result = await load([first.url], connections, durationSeconds);
      const bench = process.cpuUsage(before.bench);
      cpu.replica += cpuSeconds([first.child.pid!]) - before.replica;
      cpu.postgres += cpuSeconds(pids) - before.postgres;
      cpu.bench += (bench.user + bench.system) / 1e6;
      cpu.requests += result.requestsPerSecond * durationSeconds;
      one.push(result);
      two.push(await load([first.url, second.url], connections, durationSeconds));
    }
    const perRequestMs = (seconds: number) => (cpu.requests > 0 ? (seconds * 1000) / cpu.requests : 0);
    const replicaCpuMs = perRequestMs(cpu.replica);
    const postgresCpuMs = perRequestMs(cpu.postgres);
    const benchCpuMs = perRequestMs(cpu.bench);
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    const oneRps = mean(one.map((result) => result.requestsPerSecond));
    const twoRps = mean(two.map((result) => result.requestsPerSecond));
    const throughput = {
      cores: os.cpus().length,
      connections,
      secondsPerPhase: durationSeconds,
      oneReplicaRps: Math.round(oneRps),
      twoReplicasRps: Math.round(twoRps),
      speedup: +(twoRps / oneRps).toFixed(2),
      oneReplicaP99Ms: Math.max(...one.map((result) => result.p99Ms)),
      twoReplicasP99Ms: Math.max(...two.map((result) => result.p99Ms)),
      failed: [...one, ...two].reduce((sum, result) => sum + result.failed, 0),
      replicaCpuMsPerRequest: +replicaCpuMs.toFixed(2),
      postgresCpuMsPerRequest: +postgresCpuMs.toFixed(2),
      loadGeneratorCpuMsPerRequest: +benchCpuMs.toFixed(2),
      speedupCeilingOnTheseCores: replicaCpuMs > 0 ? +speedupCeiling(replicaCpuMs, postgresCpuMs + benchCpuMs).toFixed(2) : undefined,
      loadAverage: os.loadavg().map((value) => +value.toFixed(2)),
    };

    // Log write: PostgreSQL beside SQLite, one request at a time, alternating which goes first.
    const latencies = { postgres: [] as number[], sqlite: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      const question = QUESTIONS[round % QUESTIONS.length]!;
      const order: ("postgres" | "sqlite")[] = round % 2 === 0 ? ["postgres", "sqlite"] : ["sqlite", "postgres"];
      for (const store of order) latencies[store].push(await askOnce(store === "postgres" ? first.url : onSqlite.url, question));
    }
    const postgres = latencies.postgres.sort((a, b) => a - b);
    const sqlite = latencies.sqlite.sort((a, b) => a - b);
    const round2 = (value: number) => +value.toFixed(2);
    const logWrite = {
      requests: rounds,
      postgresP50Ms: round2(percentile(postgres, 0.5)),
      sqliteP50Ms: round2(percentile(sqlite, 0.5)),
      postgresP99Ms: round2(percentile(postgres, 0.99)),
      sqliteP99Ms: round2(percentile(sqlite, 0.99)),
      addedP99Ms: round2(percentile(postgres, 0.99) - percentile(sqlite, 0.99)),
      durableCluster: cluster !== undefined,
    };
    return { throughput, logWrite };
  } finally {
    for (const replica of replicas) await replica.stop();
    await cluster?.remove();
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const result = await benchReplicas({ durationSeconds: Number(process.env.BENCH_REPLICA_SECONDS ?? 10) });
  process.stdout.write(`${JSON.stringify({ section: "replicas-throughput", ...result.throughput })}\n`);
  process.stdout.write(`${JSON.stringify({ section: "replicas-log-write", ...result.logWrite })}\n`);
}
