/**
 * Coordination between replicas on PostgreSQL: named locks as session advisory locks, and
 * announcements as NOTIFY / LISTEN.
 *
 * A lock lives on a connection of its own (not one of the pool's, which go back to the pool after
 * each query): PostgreSQL releases a session lock when its connection ends, so a replica that dies
 * or loses the database frees its locks, and the holder learns it through `lost`. A heartbeat
 * query notices a connection that went silent without an error.
 *
 * Announcements arrive on one listening connection per store. When it drops, it reconnects and
 * listens again on every channel; what was announced in between is missed, which is why the index
 * folder's CURRENT watch stays as the fallback.
 */
import { createHash } from "node:crypto";
import pg from "pg";
import type { Logger } from "pino";
import { KnowledgeBotError } from "../core/errors.js";
import type { HeldLock } from "./state-store.js";

/** Channels of this bot in a database other programs may share. */
const CHANNEL_PREFIX = "kb_";
/** PostgreSQL truncates identifiers at 63 bytes; a longer channel would listen on another name. */
const MAX_CHANNEL_BYTES = 63;

/** A stable signed 64-bit key for a lock name (hashtext's 32 bits collide sooner). */
export function advisoryLockKey(name: string): string {
  return createHash("sha256").update(`kb-lock:${name}`, "utf8").digest().readBigInt64BE(0).toString();
}

export function channelName(channel: string): string {
  const name = `${CHANNEL_PREFIX}${channel}`;
  if (Buffer.byteLength(name, "utf8") > MAX_CHANNEL_BYTES) {
    throw new KnowledgeBotError(
      "STATE_STORE_UNAVAILABLE",
      `The channel name "${channel}" is too long.`,
      `Use a channel name of at most ${MAX_CHANNEL_BYTES - CHANNEL_PREFIX.length} bytes.`,
    );
  }
  return name;
}

function lostError(why: string): KnowledgeBotError {
  return new KnowledgeBotError("STATE_STORE_UNAVAILABLE", `The lock was lost: ${why}.`, "Take the lock again once the database is reachable.");
}

export interface AdvisoryLocksOptions {
  clientConfig: pg.ClientConfig;
  heartbeatMs: number;
}

export class AdvisoryLocks {
  private readonly held = new Set<() => void>();

  constructor(private readonly options: AdvisoryLocksOptions) {}

  /** The lock, or undefined when another session holds it. Rejects when the database cannot be reached. */
  async tryLock(name: string): Promise<HeldLock | undefined> {
    const key = advisoryLockKey(name);
    const client = new pg.Client(this.options.clientConfig);
    let onLost: (why: string) => void = () => undefined;
    client.on("error", (error) => onLost(error.message));
    client.on("end", () => onLost("its connection ended"));
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS locked", [key]);
      if (!rows[0]?.locked) {
        await client.end();
        return undefined;
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }

    const lost = new AbortController();
    let finished = false;
    const finish = () => {
      finished = true;
      clearInterval(heartbeat);
      this.held.delete(abandon);
    };
    onLost = (why) => {
      if (finished) return;
      finish();
      lost.abort(lostError(why));
      client.end().catch(() => undefined);
    };
    const abandon = () => onLost("the state store was closed");
    const heartbeat = setInterval(() => {
      client.query("SELECT 1").catch((error: Error) => onLost(error.message));
    }, this.options.heartbeatMs);
    heartbeat.unref();
    this.held.add(abandon);

    return {
      lost: lost.signal,
      release: async () => {
        if (finished) return;
        finish();
        // Ending the session releases the lock even if the unlock itself fails.
        await client.query("SELECT pg_advisory_unlock($1::bigint)", [key]).catch(() => undefined);
        await client.end().catch(() => undefined);
      },
    };
  }

  /** Ends every held lock's connection; their holders see `lost`. */
  closeAll(): void {
    for (const abandon of [...this.held]) abandon();
  }
}

export interface NotificationsOptions {
  clientConfig: pg.ClientConfig;
  logger: Logger;
  /** Tells the store's health that the listening connection failed (or succeeded). */
  onFailure: (error: unknown) => void;
  onSuccess: () => void;
  reconnectDelayMs: number;
  /** How often the listening connection is checked, so one that went silent is replaced. */
  heartbeatMs: number;
}

type Listener = (payload: string) => void;

export class Notifications {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: NotificationsOptions) {}

  /**
   * Listens from now on. While the database cannot be reached (a replica that started during an
   * outage) the listener is kept and the connection retried, so announcements reach it once the
   * database answers; the failure still reaches the store's health.
   */
  async listen(channel: string, listener: Listener): Promise<() => Promise<void>> {
    const name = channelName(channel);
    const client = await this.connected().catch((error: unknown) => {
      this.options.onFailure(error);
      return undefined;
    });
    let listeners = this.listeners.get(name);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(name, listeners);
      try {
        await client?.query(`LISTEN ${client.escapeIdentifier(name)}`);
      } catch (error) {
        this.listeners.delete(name);
        throw error;
      }
    }
    if (!client) this.scheduleReconnect();
    // A wrapper of its own, so the same function listening twice unsubscribes once each.
    const entry: Listener = (payload) => listener(payload);
    listeners.add(entry);
    return async () => {
      const current = this.listeners.get(name);
      if (!current?.delete(entry) || current.size > 0) return;
      this.listeners.delete(name);
      await this.client?.query(`UNLISTEN ${this.client.escapeIdentifier(name)}`).catch(() => undefined);
    };
  }

  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.listeners.clear();
    const client = this.client;
    this.client = undefined;
    return client ? client.end().catch(() => undefined) : Promise.resolve();
  }

  private connected(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client(this.options.clientConfig);
    let dropped = false;
    const onDrop = (error?: Error) => {
      if (dropped) return;
      dropped = true;
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      if (this.closed) return;
      this.options.onFailure(error ?? new Error("Connection terminated"));
      this.scheduleReconnect();
    };
    client.on("error", onDrop);
    client.on("end", () => {
      clearInterval(heartbeat);
      onDrop();
    });
    // A dead network sends no error; a query that gets no answer (the pool's query timeout) does.
    const heartbeat = setInterval(() => {
      client.query("SELECT 1").catch((error: Error) => {
        clearInterval(heartbeat);
        onDrop(error);
      });
    }, this.options.heartbeatMs);
    heartbeat.unref();
    client.on("notification", (message) => {
      for (const listener of this.listeners.get(message.channel) ?? []) listener(message.payload ?? "");
    });
    try {
      await client.connect();
      for (const name of this.listeners.keys()) await client.query(`LISTEN ${client.escapeIdentifier(name)}`);
    } catch (error) {
      dropped = true;
      clearInterval(heartbeat);
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      throw new KnowledgeBotError("STATE_STORE_UNAVAILABLE", "The state store is closed.", "Open the store again.");
    }
    this.client = client;
    this.options.onSuccess();
    return client;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer || this.listeners.size === 0) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closed || this.client) return;
      this.connected().then(
        () => this.options.logger.info({ channels: this.listeners.size }, "listening for announcements again"),
        (error: unknown) => {
          this.options.onFailure(error);
          this.scheduleReconnect();
        },
      );
    }, this.options.reconnectDelayMs);
    this.reconnectTimer.unref();
  }
}
