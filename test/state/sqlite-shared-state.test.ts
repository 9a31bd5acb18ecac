/** The whole store contract on SQLite (one replica: locks and announcements are per process). */
import { describePendingDeliveriesContract } from "./support/pending-deliveries-contract.js";
import { describeStateRecordsContract } from "./support/state-records-contract.js";
import { describeSharedStateContract } from "./support/state-store-contract.js";
import { openSqliteStateStore } from "../../src/state/sqlite-state-store.js";

describeSharedStateContract("sqlite", { open: async () => openSqliteStateStore({ dataDir: ":memory:" }) });

describeStateRecordsContract("sqlite", {
  open: async () => openSqliteStateStore({ dataDir: ":memory:" }),
  countRows: async (store, table) => (store.database.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n,
});

describePendingDeliveriesContract("sqlite", { open: async () => openSqliteStateStore({ dataDir: ":memory:" }) });
