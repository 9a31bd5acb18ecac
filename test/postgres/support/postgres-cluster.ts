/**
 * A throw-away PostgreSQL for the tests: Debian's `initdb` and `pg_ctl` (under
 * /usr/lib/postgresql/<version>/bin, or PG_BIN) create a cluster in a temp dir, listening on
 * 127.0.0.1 only (and a unix socket inside that dir), on a free port, with a password of its own;
 * `remove()` stops it and deletes the dir. initdb refuses to run as root, so as root (this machine,
 * CI) both run as the `postgres` user the Debian package creates, in a dir it owns.
 *
 * TEST_DATABASE_URL names an existing server instead (a user allowed to CREATE DATABASE); tests
 * that stop and start the server always use a cluster of their own.
 */
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

export interface PostgresServer {
  /** A URL on the `postgres` database, for creating and dropping test databases. */
  adminUrl: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  dropDatabase(url: string): Promise<void>;
}

export interface PostgresCluster extends PostgresServer {
  port: number;
  password: string;
  /** Stops the server (pg_ctl stop -m fast); every connection drops. */
  stop(): Promise<void>;
  /** Starts it again on the same port, with the same data. */
  start(): Promise<void>;
  /** Stops it and deletes its files. */
  remove(): Promise<void>;
  /** The server's main process id while it runs (benchmarks count its CPU time). */
  postmasterPid(): number | undefined;
}

/** The newest installed PostgreSQL's bin dir, or undefined when the Debian package is missing. */
export function findPostgresBin(): string | undefined {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => existsSync(path.join(root, name, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], "bin") : undefined;
}

function missingPackage(): Error {
  return new Error("PostgreSQL's initdb was not found under /usr/lib/postgresql/*/bin: run `apt-get install -y postgresql`, or set TEST_DATABASE_URL.");
}

/** A port nothing listens on right now, on 127.0.0.1 (a cluster's, or a replica's in the bench). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function userIds(name: string): { uid: number; gid: number } {
  return {
    uid: Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim()),
    gid: Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim()),
  };
}

function databaseUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export function serverOn(adminUrl: string): PostgresServer {
  return {
    adminUrl,
    async createDatabase(prefix = "kb_test") {
      const name = `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return databaseUrl(adminUrl, name);
    },
    async dropDatabase(url) {
      const name = decodeURIComponent(new URL(url).pathname.slice(1));
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The server named by TEST_DATABASE_URL, or undefined. */
export function configuredServer(): PostgresServer | undefined {
  const url = process.env.TEST_DATABASE_URL;
  return url ? serverOn(url) : undefined;
}

export interface ClusterOptions {
  /**
   * Keep fsync on, as a real server runs, with synchronous_commit off (a commit does not wait for
   * its WAL flush, like SQLite's WAL with synchronous=NORMAL): for benchmarks. Tests leave it off.
   */
  durable?: boolean;
  /** More `name=value` server settings (e.g. shared_preload_libraries=pg_stat_statements when profiling). */
  settings?: string[];
}

export async function startPostgresCluster(options: ClusterOptions = {}): Promise<PostgresCluster> {
  const bin = findPostgresBin();
  if (!bin) throw missingPackage();
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? userIds("postgres") : undefined;
  const command = (tool: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", path.join(bin, tool), ...args]) : run(path.join(bin, tool), args);

  const dir = await mkdtemp(path.join(os.tmpdir(), "kb-pg-"));
  const dataDir = path.join(dir, "data");
  const logFile = path.join(dir, "server.log");
  const passwordFile = path.join(dir, "password");
  const password = randomBytes(12).toString("hex");
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (owner) {
    await chown(dir, owner.uid, owner.gid);
    await chown(passwordFile, owner.uid, owner.gid);
  }
  await command("initdb", [
    "-D",
    dataDir,
    "-U",
    "postgres",
    "--auth-local=trust",
    "--auth-host=scram-sha-256",
    `--pwfile=${passwordFile}`,
    "--encoding=UTF8",
    "--locale=C.UTF-8",
    "--no-sync",
  ]);
  await rm(passwordFile, { force: true });

  const port = await freePort();
  // fsync off for tests: a throw-away cluster never needs to survive a power cut, and tests run faster.
  const durability = options.durable ? "-c synchronous_commit=off" : "-c fsync=off -c full_page_writes=off";
  const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c max_connections=300 ${durability}${(options.settings ?? []).map((setting) => ` -c ${setting}`).join("")}`;
  const start = async () => {
    await command("pg_ctl", ["-D", dataDir, "-l", logFile, "-o", serverOptions, "-w", "-t", "60", "start"]);
  };
  const stopNow = () => {
    try {
      execFileSync(
        asRoot ? "runuser" : path.join(bin, "pg_ctl"),
        [...(asRoot ? ["-u", "postgres", "--", path.join(bin, "pg_ctl")] : []), "-D", dataDir, "-m", "immediate", "-w", "stop"],
        {
          stdio: "ignore",
        },
      );
    } catch {
      // Already stopped.
    }
  };
  // A test process that dies mid-run must not leave a server behind.
  process.once("exit", stopNow);
  await start();

  const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  return {
    ...serverOn(adminUrl),
    port,
    password,
    start,
    async stop() {
      await command("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "-t", "60", "stop"]);
    },
    postmasterPid() {
      try {
        return Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]) || undefined;
      } catch {
        return undefined;
      }
    },
    async remove() {
      process.off("exit", stopNow);
      stopNow();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
