/** The shared-state part of the store contract on SQLite (one replica: locks and announcements are per process). */
import { describeSharedStateContract } from "./support/state-store-contract.js";
import { openSqliteStateStore } from "../../src/state/sqlite-state-store.js";

describeSharedStateContract("sqlite", { open: async () => openSqliteStateStore({ dataDir: ":memory:" }) });
