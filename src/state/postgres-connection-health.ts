/**
 * Whether the PostgreSQL store can reach its database right now. A failure that says the
 * connection is gone (refused, reset, the server shutting down, a connect timeout) turns the store
 * "degraded"; the next query that succeeds turns it "ok" again. Each change is logged once, with
 * the error's code only: a pg error message may quote the host, never the URL or its password,
 * but the code is all an operator needs beside the plain reason.
 *
 * While degraded, a probe queries the database every `probeIntervalMs`, so the store recovers (and
 * writes what it buffered) even when nothing else asks it anything.
 *
 * A store may also open degraded, when its database could not be reached at start (a replica must
 * start and answer questions while PostgreSQL is down). Its schema may then be behind, so only the
 * probe, which brings the schema up to date first, may turn it "ok": a listening connection that
 * comes back earlier does not.
 */
import type { Logger } from "pino";

/** Node socket errors that mean the server cannot be reached. */
const SOCKET_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNABORTED",
]);
/** SQLSTATEs of a server going away: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections. */
const SERVER_GONE_CODES = new Set(["57P01", "57P02", "57P03", "53300"]);
/** What pg says, without a code, when a connection ends under it or cannot be made in time. */
const CONNECTION_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection error/i,
  /query read timeout/i,
  /not queryable/i,
];

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** True when `error` says the database cannot be reached, as opposed to a query it refused. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  const code = codeOf(error);
  if (code && (SOCKET_ERROR_CODES.has(code) || SERVER_GONE_CODES.has(code) || code.startsWith("08"))) return true;
  const message = error instanceof Error ? error.message : String(error);
  return CONNECTION_MESSAGES.some((pattern) => pattern.test(message));
}

/** A reason in plain words, never the connection string. */
function reasonOf(error: unknown): string {
  const code = codeOf(error) ?? (error instanceof AggregateError ? error.errors.map(codeOf).find(Boolean) : undefined);
  return code ? `the database cannot be reached (${code})` : "the database cannot be reached (the connection ended)";
}

export interface ConnectionHealthOptions {
  logger: Logger;
  /** Runs one cheap query; resolves when the database answered. */
  probe: () => Promise<void>;
  /** Called once each time the database is reachable again. */
  onRecovered: () => void;
  probeIntervalMs: number;
}

export class ConnectionHealth {
  private degradedBecause: string | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private stopped = false;
  /** Opened unreachable: only a successful probe (migrations included) turns the state ok. */
  private awaitingProbe = false;

  constructor(private readonly options: ConnectionHealthOptions) {}

  get degraded(): boolean {
    return this.degradedBecause !== undefined;
  }

  get reason(): string | undefined {
    return this.degradedBecause;
  }

  /** Records a failure; only connection failures change the state. */
  failed(error: unknown): void {
    if (this.stopped || !isConnectionError(error) || this.degraded) return;
    this.degradedBecause = reasonOf(error);
    this.options.logger.warn(
      { code: codeOf(error) },
      `state store degraded: ${this.degradedBecause}; questions are still answered, reconnecting every ${this.options.probeIntervalMs} ms`,
    );
    this.startProbing();
  }

  /** The store opened without reaching its database: degraded from the start, until a probe succeeds. */
  openedUnreachable(error: unknown): void {
    if (this.stopped || this.degraded) return;
    this.awaitingProbe = true;
    this.degradedBecause = `${reasonOf(error)} since the replica started`;
    this.options.logger.warn(
      { code: codeOf(error) },
      `state store degraded: ${this.degradedBecause}; questions are still answered, connecting every ${this.options.probeIntervalMs} ms, and the schema is brought up to date once it answers`,
    );
    this.startProbing();
  }

  /** Records a query that succeeded. */
  succeeded(): void {
    if (this.awaitingProbe) return;
    this.recover();
  }

  private startProbing(): void {
    this.probeTimer = setInterval(() => void this.probeOnce(), this.options.probeIntervalMs);
    this.probeTimer.unref();
  }

  private recover(): void {
    if (this.stopped || !this.degraded) return;
    this.degradedBecause = undefined;
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    this.options.logger.info("state store reachable again");
    this.options.onRecovered();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }

  private async probeOnce(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      await this.options.probe();
      this.awaitingProbe = false;
      this.recover();
    } catch {
      // Still unreachable: the next tick tries again.
    } finally {
      this.probing = false;
    }
  }
}
