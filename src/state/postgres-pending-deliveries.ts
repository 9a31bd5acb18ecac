/**
 * The pending deliveries on PostgreSQL (the `pending_deliveries` table, migration 5), shared by
 * every replica. Two replicas never hold one delivery: intake inserts with ON CONFLICT, a takeover
 * leases rows picked with FOR UPDATE SKIP LOCKED, and progress is saved only by the lease's owner.
 */
import type pg from "pg";
import { pendingDeliveryFromRow, type PendingDeliveryRow } from "./pending-delivery-rows.js";
import type { AcceptDeliveryInput, DeliveryIntake, PendingDelivery } from "./state-store.js";

export interface PostgresRunners {
  /** One statement on a pooled connection (the store's query: health, retries, degraded refusal). */
  query<Row extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>>;
  /** Several statements in one transaction. */
  transaction<Result>(work: (client: pg.PoolClient) => Promise<Result>): Promise<Result>;
  /** Text made acceptable to PostgreSQL (no NUL characters). */
  clean(text: string): string;
}

const COLUMNS = "kind, id, payload, reply, sent_parts, attempts, received_at, lease_expires_at";

export class PostgresPendingDeliveries {
  constructor(private readonly runners: PostgresRunners) {}

  /**
   * The pending row is read FOR UPDATE before the dedupe record: a completion running at the same
   * moment deletes that row and writes the record in one transaction, so this waits for it and
   * then sees the record, instead of finding neither and recording the delivery again.
   */
  accept(input: AcceptDeliveryInput): Promise<DeliveryIntake> {
    const { kind, owner, leaseMs, maxPending } = input;
    const id = this.runners.clean(input.id);
    const now = input.now ?? Date.now();
    return this.runners.transaction(async (client): Promise<DeliveryIntake> => {
      const existing = (await client.query<PendingDeliveryRow>(`SELECT ${COLUMNS} FROM pending_deliveries WHERE kind = $1 AND id = $2 FOR UPDATE`, [kind, id]))
        .rows[0];
      if (existing) {
        if (existing.lease_expires_at > now) return { outcome: "pending" };
        await client.query("UPDATE pending_deliveries SET lease_owner = $3, lease_expires_at = $4 WHERE kind = $1 AND id = $2", [
          kind,
          id,
          owner,
          now + leaseMs,
        ]);
        return { outcome: "taken", delivery: pendingDeliveryFromRow(existing) };
      }
      const answered = await client.query("SELECT 1 FROM dedupe WHERE kind = $1 AND id = $2 AND expires_at > $3", [kind, id, now]);
      if (answered.rowCount! > 0) return { outcome: "answered" };
      // Replicas counting at the same moment may each add one past the bound; it bounds, it does not meter.
      const waiting = (await client.query<{ count: number }>("SELECT count(*)::int AS count FROM pending_deliveries WHERE kind = $1", [kind])).rows[0]!.count;
      if (waiting >= maxPending) return { outcome: "full" };
      const inserted = await client.query(
        `INSERT INTO pending_deliveries (kind, id, payload, received_at, lease_owner, lease_expires_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (kind, id) DO NOTHING`,
        [kind, id, this.runners.clean(input.payload), now, owner, now + leaseMs],
      );
      // Another replica recorded the same delivery a moment ago: it answers it.
      if (inserted.rowCount !== 1) return { outcome: "pending" };
      return { outcome: "taken", delivery: { kind, id, payload: input.payload, sentParts: 0, attempts: 0, receivedAt: now } };
    });
  }

  async takeLapsed(kind: string, owner: string, leaseMs: number, limit: number, now: number): Promise<PendingDelivery[]> {
    const result = await this.runners.query<PendingDeliveryRow>(
      `UPDATE pending_deliveries p SET lease_owner = $2, lease_expires_at = $3
       FROM (SELECT kind, id FROM pending_deliveries WHERE kind = $1 AND lease_expires_at <= $4
             ORDER BY received_at, id LIMIT $5 FOR UPDATE SKIP LOCKED) lapsed
       WHERE p.kind = lapsed.kind AND p.id = lapsed.id
       RETURNING ${COLUMNS.split(", ")
         .map((column) => `p.${column}`)
         .join(", ")}`,
      [kind, owner, now + leaseMs, now, Math.max(1, Math.floor(limit))],
    );
    return result.rows.map(pendingDeliveryFromRow).sort((first, second) => first.receivedAt - second.receivedAt || first.id.localeCompare(second.id));
  }

  async renew(owner: string, leaseMs: number, now: number): Promise<number> {
    return (await this.runners.query("UPDATE pending_deliveries SET lease_expires_at = $2 WHERE lease_owner = $1", [owner, now + leaseMs])).rowCount ?? 0;
  }

  async update(kind: string, id: string, owner: string, change: { reply?: string; sentParts?: number }, leaseMs: number, now: number): Promise<boolean> {
    const result = await this.runners.query(
      `UPDATE pending_deliveries SET reply = coalesce($4, reply), sent_parts = greatest(sent_parts, $5), lease_expires_at = $6
       WHERE kind = $1 AND id = $2 AND lease_owner = $3`,
      [kind, this.runners.clean(id), owner, change.reply === undefined ? null : this.runners.clean(change.reply), change.sentParts ?? 0, now + leaseMs],
    );
    return result.rowCount === 1;
  }

  async release(kind: string, id: string, owner: string, retryAt: number, failed: boolean): Promise<void> {
    await this.runners.query(
      `UPDATE pending_deliveries SET lease_owner = NULL, lease_expires_at = $4, attempts = attempts + $5
       WHERE kind = $1 AND id = $2 AND lease_owner = $3`,
      [kind, this.runners.clean(id), owner, retryAt, failed ? 1 : 0],
    );
  }

  async complete(kind: string, id: string, rememberMs: number, now: number): Promise<void> {
    const cleanId = this.runners.clean(id);
    await this.runners.transaction(async (client) => {
      // The row first: an intake of the same delivery now waits on it, and then finds the dedupe record.
      await client.query("DELETE FROM pending_deliveries WHERE kind = $1 AND id = $2", [kind, cleanId]);
      if (rememberMs > 0) {
        await client.query(
          `INSERT INTO dedupe AS d (kind, id, expires_at) VALUES ($1, $2, $3)
           ON CONFLICT (kind, id) DO UPDATE SET expires_at = greatest(d.expires_at, excluded.expires_at)`,
          [kind, cleanId, now + rememberMs],
        );
      }
    });
  }

  async sweep(receivedBefore: number): Promise<void> {
    await this.runners.query("DELETE FROM pending_deliveries WHERE received_at <= $1", [receivedBefore]);
  }
}
