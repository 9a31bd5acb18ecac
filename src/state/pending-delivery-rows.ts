/**
 * A `pending_deliveries` row as both stores read it (migration 5), and the delivery it stands for.
 */
import type { PendingDelivery } from "./state-store.js";

export interface PendingDeliveryRow {
  kind: string;
  id: string;
  payload: string;
  reply: string | null;
  sent_parts: number;
  attempts: number;
  received_at: number;
  lease_owner?: string | null;
  lease_expires_at: number;
}

export function pendingDeliveryFromRow(row: PendingDeliveryRow): PendingDelivery {
  return {
    kind: row.kind,
    id: row.id,
    payload: row.payload,
    reply: row.reply ?? undefined,
    sentParts: row.sent_parts,
    attempts: row.attempts,
    receivedAt: row.received_at,
  };
}
