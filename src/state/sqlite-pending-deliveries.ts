/**
 * The pending deliveries on SQLite (the `pending_deliveries` table, migration 5). better-sqlite3
 * runs each transaction to its end before anything else, so intake, takeover and completion are
 * atomic without locks. Every method here is synchronous; the store wraps it in a promise.
 */
import type Database from "better-sqlite3";
import { pendingDeliveryFromRow, type PendingDeliveryRow } from "./pending-delivery-rows.js";
import type { AcceptDeliveryInput, DeliveryIntake, PendingDelivery } from "./state-store.js";

export class SqlitePendingDeliveries {
  private readonly statements;
  private readonly acceptTransaction;
  private readonly takeTransaction;
  private readonly completeTransaction;

  constructor(database: Database.Database) {
    const db = database;
    this.statements = {
      answered: db.prepare<[string, string, number], { one: number }>("SELECT 1 AS one FROM dedupe WHERE kind = ? AND id = ? AND expires_at > ?"),
      find: db.prepare<[string, string], PendingDeliveryRow>("SELECT * FROM pending_deliveries WHERE kind = ? AND id = ?"),
      count: db.prepare<[string], { count: number }>("SELECT count(*) AS count FROM pending_deliveries WHERE kind = ?"),
      insert: db.prepare(
        `INSERT INTO pending_deliveries (kind, id, payload, received_at, lease_owner, lease_expires_at)
         VALUES (@kind, @id, @payload, @now, @owner, @expiresAt)`,
      ),
      lease: db.prepare("UPDATE pending_deliveries SET lease_owner = @owner, lease_expires_at = @expiresAt WHERE kind = @kind AND id = @id"),
      lapsed: db.prepare<[string, number, number], PendingDeliveryRow>(
        "SELECT * FROM pending_deliveries WHERE kind = ? AND lease_expires_at <= ? ORDER BY received_at, id LIMIT ?",
      ),
      renew: db.prepare("UPDATE pending_deliveries SET lease_expires_at = ? WHERE lease_owner = ?"),
      update: db.prepare(
        `UPDATE pending_deliveries SET reply = coalesce(@reply, reply), sent_parts = max(sent_parts, @sentParts), lease_expires_at = @expiresAt
         WHERE kind = @kind AND id = @id AND lease_owner = @owner`,
      ),
      release: db.prepare(
        `UPDATE pending_deliveries SET lease_owner = NULL, lease_expires_at = @retryAt, attempts = attempts + @failed
         WHERE kind = @kind AND id = @id AND lease_owner = @owner`,
      ),
      remember: db.prepare(
        `INSERT INTO dedupe (kind, id, expires_at) VALUES (@kind, @id, @expiresAt)
         ON CONFLICT (kind, id) DO UPDATE SET expires_at = max(dedupe.expires_at, excluded.expires_at)`,
      ),
      remove: db.prepare("DELETE FROM pending_deliveries WHERE kind = ? AND id = ?"),
      voidLeases: db.prepare("UPDATE pending_deliveries SET lease_expires_at = 0 WHERE lease_owner IS NOT NULL"),
      sweep: db.prepare("DELETE FROM pending_deliveries WHERE received_at <= ?"),
    };

    this.acceptTransaction = db.transaction((input: Required<AcceptDeliveryInput>): DeliveryIntake => {
      const { kind, id, owner, now } = input;
      const expiresAt = now + input.leaseMs;
      if (this.statements.answered.get(kind, id, now)) return { outcome: "answered" };
      const existing = this.statements.find.get(kind, id);
      if (existing) {
        if (existing.lease_expires_at > now) return { outcome: "pending" };
        this.statements.lease.run({ kind, id, owner, expiresAt });
        return { outcome: "taken", delivery: pendingDeliveryFromRow(existing) };
      }
      if (this.statements.count.get(kind)!.count >= input.maxPending) return { outcome: "full" };
      this.statements.insert.run({ kind, id, payload: input.payload, now, owner, expiresAt });
      return { outcome: "taken", delivery: { kind, id, payload: input.payload, sentParts: 0, attempts: 0, receivedAt: now } };
    });

    this.takeTransaction = db.transaction((kind: string, owner: string, leaseMs: number, limit: number, now: number): PendingDelivery[] => {
      const rows = this.statements.lapsed.all(kind, now, Math.max(1, Math.floor(limit)));
      for (const row of rows) this.statements.lease.run({ kind, id: row.id, owner, expiresAt: now + leaseMs });
      return rows.map(pendingDeliveryFromRow);
    });

    this.completeTransaction = db.transaction((kind: string, id: string, rememberMs: number, now: number) => {
      if (rememberMs > 0) this.statements.remember.run({ kind, id, expiresAt: now + rememberMs });
      this.statements.remove.run(kind, id);
    });
  }

  /** The process that held these leases has ended: SQLite serves one replica, so whoever opens it now may take them at once. */
  voidLeases(): void {
    this.statements.voidLeases.run();
  }

  accept(input: AcceptDeliveryInput): DeliveryIntake {
    // IMMEDIATE: a second process on the same file (a CLI command) waits rather than failing mid-way.
    return this.acceptTransaction.immediate({ ...input, now: input.now ?? Date.now() });
  }

  takeLapsed(kind: string, owner: string, leaseMs: number, limit: number, now: number): PendingDelivery[] {
    return this.takeTransaction.immediate(kind, owner, leaseMs, limit, now);
  }

  renew(owner: string, leaseMs: number, now: number): number {
    return this.statements.renew.run(now + leaseMs, owner).changes;
  }

  update(kind: string, id: string, owner: string, change: { reply?: string; sentParts?: number }, leaseMs: number, now: number): boolean {
    const values = { kind, id, owner, reply: change.reply ?? null, sentParts: change.sentParts ?? 0, expiresAt: now + leaseMs };
    return this.statements.update.run(values).changes === 1;
  }

  release(kind: string, id: string, owner: string, retryAt: number, failed: boolean): void {
    this.statements.release.run({ kind, id, owner, retryAt, failed: failed ? 1 : 0 });
  }

  complete(kind: string, id: string, rememberMs: number, now: number): void {
    this.completeTransaction.immediate(kind, id, rememberMs, now);
  }

  sweep(receivedBefore: number): void {
    this.statements.sweep.run(receivedBefore);
  }
}
