/**
 * Several replicas on one PostgreSQL, measured on this machine:
 *   - throughput: /api/ask requests per second and p99 against one replica, then against two
 *     (each its own process, same index and database), the same total connections, alternating
 *     one / two / one / two so both meet the same machine; with the CPU time each part used per
 *     request (replicas, PostgreSQL, the load generator) and the cores each kept busy, the rest of
 *     the machine included (from /proc/stat), since on a shared machine that decides the speedup;
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
import { percentile } from "../src/cli/evaluate.js";

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

/** CPU seconds all cores have spent busy (anything but idle and I/O wait) so far, from /proc/stat; 0 where it cannot be read. */
function machineBusySeconds(): number {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already counted in user).
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
  } catch {
    return 0;
  }
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

/** CPU seconds per part of the machine during one load phase, and the requests it served. */
interface PhaseCpu {
  replicas: number;
  postgres: number;
  loadGenerator: number;
  /** Everything else the machine ran meanwhile (other processes, the kernel's own work). */
  rest: number;
  seconds: number;
  requests: number;
}

/** One load phase with the CPU time each part used during it. */
async function measuredLoad(
  replicas: Replica[],
  postmaster: number | undefined,
  connections: number,
  durationSeconds: number,
): Promise<{ result: Awaited<ReturnType<typeof load>>; cpu: PhaseCpu }> {
  const replicaPids = replicas.map((replica) => replica.child.pid!);
  const postgres = postgresPids(postmaster);
  const before = {
    replicas: cpuSeconds(replicaPids),
    postgres: cpuSeconds(postgres),
    bench: process.cpuUsage(),
    machine: machineBusySeconds(),
    at: performance.now(),
  };
  const result = await load(
    replicas.map((replica) => replica.url),
    connections,
    durationSeconds,
  );
  const bench = process.cpuUsage(before.bench);
  const used = {
    replicas: cpuSeconds(replicaPids) - before.replicas,
    postgres: cpuSeconds(postgres) - before.postgres,
    loadGenerator: (bench.user + bench.system) / 1e6,
  };
  const machine = machineBusySeconds() - before.machine;
  return {
    result,
    cpu: {
      ...used,
      rest: Math.max(0, machine - used.replicas - used.postgres - used.loadGenerator),
      seconds: (performance.now() - before.at) / 1000,
      requests: result.requestsPerSecond * durationSeconds,
    },
  };
}

/** CPU milliseconds per request of each part, and the cores each kept busy on average, over some phases. */
function cpuSummary(phases: PhaseCpu[]) {
  const total = (field: keyof PhaseCpu) => phases.reduce((sum, phase) => sum + phase[field], 0);
  const requests = total("requests");
  const seconds = total("seconds");
  const perRequest = (value: number) => (requests > 0 ? +((value * 1000) / requests).toFixed(2) : 0);
  const cores = (value: number) => (seconds > 0 ? +(value / seconds).toFixed(2) : 0);
  return {
    cpuMsPerRequest: { replicas: perRequest(total("replicas")), postgres: perRequest(total("postgres")), loadGenerator: perRequest(total("loadGenerator")) },
    coresBusy: {
      replicas: cores(total("replicas")),
      postgres: cores(total("postgres")),
      loadGenerator: cores(total("loadGenerator")),
      restOfMachine: cores(total("rest")),
    },
  };
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
    // Log write: PostgreSQL beside SQLite, one request at a time, alternating which goes first.
    // Measured before the load phases, while both replicas have answered the same 50 questions: after
    // them the PostgreSQL replica's database has just taken tens of thousands of records (autovacuum
    // and analyze run on it then) while the SQLite one has not, which is not the difference asked for.
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
    const one: Awaited<ReturnType<typeof load>>[] = [];
    const two: Awaited<ReturnType<typeof load>>[] = [];
    // CPU time per request of each part: unlike requests per second it hardly depends on what else
    // the machine runs, and it bounds the speedup. The rest of the machine's CPU use says how much of
    // the cores the bench actually had.
    const oneCpu: PhaseCpu[] = [];
    const twoCpu: PhaseCpu[] = [];
    for (let round = 0; round < 2; round++) {
      const alone = await measuredLoad([first], cluster?.postmasterPid(), connections, durationSeconds);
      one.push(alone.result);
      oneCpu.push(alone.cpu);
      const pair = await measuredLoad([first, second], cluster?.postmasterPid(), connections, durationSeconds);
      two.push(pair.result);
      twoCpu.push(pair.cpu);
    }
    const oneSummary = cpuSummary(oneCpu);
    const twoSummary = cpuSummary(twoCpu);
    const replicaCpuMs = oneSummary.cpuMsPerRequest.replicas;
    const otherCpuMs = oneSummary.cpuMsPerRequest.postgres + oneSummary.cpuMsPerRequest.loadGenerator;
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
      replicaCpuMsPerRequest: replicaCpuMs,
      postgresCpuMsPerRequest: oneSummary.cpuMsPerRequest.postgres,
      loadGeneratorCpuMsPerRequest: oneSummary.cpuMsPerRequest.loadGenerator,
      speedupCeilingOnTheseCores: replicaCpuMs > 0 ? +speedupCeiling(replicaCpuMs, otherCpuMs).toFixed(2) : undefined,
      // The same with two replicas (their CPU added up): a rise means running side by side costs more per request.
      twoReplicasCpuMsPerRequest: twoSummary.cpuMsPerRequest,
      oneReplicaCoresBusy: oneSummary.coresBusy,
      twoReplicasCoresBusy: twoSummary.coresBusy,
      loadAverage: os.loadavg().map((value) => +value.toFixed(2)),
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
