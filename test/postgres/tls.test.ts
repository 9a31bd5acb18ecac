/**
 * A managed PostgreSQL is reached over TLS. A cluster of this file's own accepts host connections
 * only over TLS (`hostssl` in its pg_hba.conf), with a server certificate signed by a throw-away
 * CA: the store opens with `sslmode=verify-full&sslrootcert=<CA file>` in DATABASE_URL, refuses
 * to start with a CA that did not sign the server's certificate (a misconfiguration, not an
 * outage), and the same URL without TLS is refused by the server — so the first case did use TLS.
 */
import { execFile } from "node:child_process";
import { chmod, chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openPostgresStateStore } from "../../src/state/postgres-state-store.js";
import { startPostgresCluster, type PostgresCluster } from "./support/postgres-cluster.js";
import { capturedLogger } from "./support/test-database.js";

const run = promisify(execFile);
let dir: string;
let cluster: PostgresCluster;
let databaseUrl: string;

/** A self-signed CA (its key and certificate) named `name` in `dir`. */
async function certificateAuthority(name: string): Promise<{ key: string; cert: string }> {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  await run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${name}`, "-keyout", key, "-out", cert]);
  return { key, cert };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "kb-pg-tls-"));
  // The server runs as `postgres` when the tests run as root: it must read its certificate here.
  await chmod(dir, 0o755);
  const authority = await certificateAuthority("test-ca");
  await certificateAuthority("other-ca");
  const serverKey = path.join(dir, "server.key");
  const request = path.join(dir, "server.csr");
  const serverCert = path.join(dir, "server.crt");
  const extensions = path.join(dir, "server.ext");
  await writeFile(extensions, "subjectAltName = IP:127.0.0.1\n");
  await run("openssl", ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", serverKey, "-out", request]);
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    request,
    "-CA",
    authority.cert,
    "-CAkey",
    authority.key,
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    extensions,
    "-out",
    serverCert,
  ]);
  const hba = path.join(dir, "pg_hba.conf");
  await writeFile(hba, "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n");
  // PostgreSQL refuses a key others can read.
  await chmod(serverKey, 0o600);
  if (process.getuid?.() === 0) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: group } = await run("id", ["-g", "postgres"]);
    for (const file of [serverKey, serverCert, hba]) await chown(file, Number(stdout), Number(group));
  }
  cluster = await startPostgresCluster({ settings: ["ssl=on", `ssl_cert_file=${serverCert}`, `ssl_key_file=${serverKey}`, `hba_file=${hba}`] });
  const admin = new pg.Client({ connectionString: `${cluster.adminUrl}?sslmode=verify-full&sslrootcert=${encodeURIComponent(authority.cert)}` });
  await admin.connect();
  await admin.query("CREATE DATABASE kb_tls");
  await admin.end();
  databaseUrl = cluster.adminUrl.replace(/\/postgres$/, "/kb_tls");
}, 120_000);

afterAll(async () => {
  await cluster?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const withTls = (caFile: string) => `${databaseUrl}?sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}`;

it("opens over TLS with the CA that signed the server's certificate, and works", async () => {
  const { logger, lines } = capturedLogger();
  const store = await openPostgresStateStore({ databaseUrl: withTls(path.join(dir, "test-ca.crt")), logger });
  try {
    expect(store.health().state).toBe("ok");
    expect(await store.putIfAbsent("tls-check", "key", "value", 60_000)).toEqual({ value: "value", isNew: true });
    expect(await store.getValue("tls-check", "key")).toBe("value");
    const check = new pg.Client({ connectionString: withTls(path.join(dir, "test-ca.crt")) });
    await check.connect();
    const { rows } = await check.query<{ ssl: boolean }>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
    await check.end();
    expect(rows[0].ssl).toBe(true);
  } finally {
    await store.close();
  }
  expect(lines.join("\n")).not.toContain(cluster.password);
});

it("refuses to start with a CA that did not sign the server's certificate", async () => {
  const { logger } = capturedLogger();
  await expect(openPostgresStateStore({ databaseUrl: withTls(path.join(dir, "other-ca.crt")), logger })).rejects.toMatchObject({
    code: "STATE_STORE_UNAVAILABLE",
  });
});

it("is refused by the server without TLS, so the store above did use it", async () => {
  const { logger } = capturedLogger();
  await expect(openPostgresStateStore({ databaseUrl: `${databaseUrl}?sslmode=disable`, logger })).rejects.toMatchObject({
    code: "STATE_STORE_UNAVAILABLE",
  });
});
