/**
 * The state that must survive a restart: the question log, feedback, admin sessions, conversation
 * memory, the platforms' delivery dedupe and the deliveries acknowledged but not yet answered. One interface, every method async, nothing dialect
 * specific in it, so SQLite (one replica) and PostgreSQL (several) implement the same contract.
 * Times are epoch milliseconds throughout.
 */
import type { ConversationTurn, Platform, ReindexSummary } from "../core/types.js";

/** Which questions the admin queue lists. */
export type QuestionFilter = "unanswered" | "downvoted" | "all";

export type ChatKind = "private" | "group";

/** One question as it is logged. The text is already masked: the raw words are never handed to the store. */
export interface QuestionRecord {
  /** Unique per answer; feedback names it. */
  answerId: string;
  /** The question with personal data masked (maskPersonalData). */
  text: string;
  /** The grouping key: normalized text, so "宝宝湿疹怎么护理" and "宝宝湿疹怎么护理？" are one entry (questionGroupKey). */
  groupKey: string;
  platform: Platform;
  chatKind: ChatKind;
  /** A hash of the conversation key, never the key itself. */
  conversationHash: string;
  answered: boolean;
  /** The retrieval scores of the cited (or best) passages, best first: the confidence signals. */
  scores: number[];
  citedSourceIds: string[];
  latencyMs: number;
  askedAt: number;
  /**
   * On a no-answer in the folder's domain: the subject no source covers (Answer.missingSubject),
   * masked like the text. The queue groups by it, so the admin sees which content to write.
   */
  missingSubject?: string;
  /** Who asked, as a voter key (voterKey: platform and a hash): a vote with `onlyAsker` must come from them. */
  askedBy?: string;
}

/** One entry of the admin queue: every ask of the same normalized question in the window. */
export interface QuestionGroup {
  /** The most recent masked wording. */
  text: string;
  groupKey: string;
  count: number;
  lastAskedAt: number;
  platforms: Platform[];
  /** The most recent ask got no answer. */
  noAnswer: boolean;
  /** How many of the asks got no answer. */
  noAnswerCount: number;
  upvotes: number;
  downvotes: number;
  /** The source the most recent answered ask cited first. */
  topSource?: string;
  /** The subject the most recent ask lacked, when it was a no-answer with one (QuestionRecord.missingSubject). */
  missingSubject?: string;
}

export interface QuestionListOptions {
  filter: QuestionFilter;
  /** Only asks in the last `days` days count. */
  days: number;
  /** At most this many entries (default 100). */
  limit?: number;
  /** "Now" for the window; tests pass their own. */
  now?: number;
}

export interface DayStats {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  asked: number;
  answered: number;
  upvotes: number;
  downvotes: number;
}

export interface QuestionStats {
  days: DayStats[];
  asked: number;
  answered: number;
  upvotes: number;
  downvotes: number;
  /** Sources cited most often in the window, most first. */
  topSources: { sourceId: string; count: number }[];
  /** The most asked questions that went unanswered, as the queue lists them. */
  topUnanswered: QuestionGroup[];
}

export type Rating = "up" | "down";

/** What feedback needs to know about an answer. */
export interface LoggedAnswer {
  answerId: string;
  groupKey: string;
  text: string;
  platform: Platform;
  answered: boolean;
  askedAt: number;
}

export interface Vote {
  answerId: string;
  /** A voter key (voterKey): the platform and a hash of who votes. */
  voter: string;
  rating: Rating;
  comment?: string;
  at: number;
  /** Only the person the answer was given to may vote on it (answers only they were shown: the web page, private chats). */
  onlyAsker?: boolean;
}

export interface AdminSession {
  createdAt: number;
  expiresAt: number;
}

/** One finished re-index, as the documents page lists it; every replica sees the same history. */
export interface ReindexRun {
  finishedAt: number;
  ok: boolean;
  /** Who started it: "console", "api", "admin-answer", "chat", "watch", ... */
  reason?: string;
  /** The build's summary (counts, problems by file) when it succeeded; stored as JSON. */
  summary?: ReindexSummary;
  /** The error message when it failed. */
  error?: string;
}

/** A lock held by this process until released, or until the process (or its connection) dies. */
export interface HeldLock {
  /** Aborted when the lock is lost without `release` (PostgreSQL: the connection holding it dropped). */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

/** What `/healthz` reports about the store. */
export interface StateHealth {
  dialect: "sqlite" | "postgres";
  /** "degraded": the store cannot be reached right now; questions are still answered. */
  state: "ok" | "degraded";
  /** Why it is degraded, in words an operator can act on (never a connection string). */
  detail?: string;
}

/** Names a dedupe family, so a Telegram update_id and a WeCom MsgId never collide. */
export type DedupeKind = "wecom-msgid" | "telegram-update" | (string & {});

/**
 * A platform delivery acknowledged to the platform whose answer is not all sent yet. Payload and
 * reply are sealed by the caller (sealed-payload.ts): the store never holds a question in clear.
 */
export interface PendingDelivery {
  kind: DedupeKind;
  id: string;
  /** What the platform delivered, sealed. */
  payload: string;
  /** The prepared answer, sealed, once it was prepared: a resumed delivery sends it rather than asking again. */
  reply?: string;
  /** How many of the answer's messages are done (sent, or refused for good). */
  sentParts: number;
  /** Tries that failed in a way worth trying again (the platform could not be reached). */
  attempts: number;
  receivedAt: number;
}

/** What `acceptDelivery` found. */
export type DeliveryIntake =
  /** Recorded (or taken over from a lapsed lease) and leased to the caller, who now answers it. */
  | { outcome: "taken"; delivery: PendingDelivery }
  /** Another holder's live lease covers it: it is being answered there, or will be once the lease lapses. */
  | { outcome: "pending" }
  /** Its answer was sent (the dedupe record is live): a repeat. */
  | { outcome: "answered" }
  /** As many deliveries of this kind as `maxPending` wait already: not recorded, so not to be acknowledged. */
  | { outcome: "full" };

export interface AcceptDeliveryInput {
  kind: DedupeKind;
  id: string;
  payload: string;
  /** The lease holder, unique per process (and per adapter in it). */
  owner: string;
  leaseMs: number;
  maxPending: number;
  now?: number;
}

/** A delivery left this long unanswered is dropped by `sweep`: the platforms stop re-delivering within a day too. */
export const PENDING_DELIVERY_MAX_AGE_MS = 24 * 60 * 60_000;

export interface StateStore {
  // Question log ---------------------------------------------------------------------------
  recordQuestion(record: QuestionRecord): Promise<void>;
  listQuestions(options: QuestionListOptions): Promise<QuestionGroup[]>;
  questionStats(options: { days: number; now?: number }): Promise<QuestionStats>;
  /**
   * Takes a question off the queue (chit-chat, noise): the unanswered and downvoted lists leave it
   * out until it is asked again after `at`; "all" and the figures still count it. False when the
   * group key is unknown.
   */
  dismissQuestion(groupKey: string, at: number): Promise<boolean>;
  /** Drops every logged question (and its feedback) asked before `before`; returns how many. */
  purgeQuestionsBefore(before: number): Promise<number>;
  /**
   * Keeps at most the `maxRows` most recently asked questions: the older ones (and their feedback)
   * are dropped, oldest first, like `purgeQuestionsBefore`; returns how many.
   */
  purgeQuestionsBeyond(maxRows: number): Promise<number>;

  // Feedback ------------------------------------------------------------------------------
  /** The logged answer an answerId names, or undefined (unknown, purged, or the log is off). */
  findAnswer(answerId: string): Promise<LoggedAnswer | undefined>;
  /**
   * One vote per voter per answer; a second vote replaces the first. False when the answerId is
   * unknown, or with `onlyAsker` when the answer records who asked it and that is not `voter`.
   */
  recordVote(vote: Vote): Promise<boolean>;

  // Admin sessions (the store keeps only a hash of the token) -----------------------------
  createAdminSession(token: string, session: AdminSession): Promise<void>;
  /** The session, or undefined when unknown or expired at `now`. */
  findAdminSession(token: string, now?: number): Promise<AdminSession | undefined>;
  deleteAdminSession(token: string): Promise<void>;

  // Conversation memory -------------------------------------------------------------------
  /** A conversation's turns, oldest first; empty when unknown or last written before `notBefore`. */
  readConversation(conversationKey: string, notBefore: number): Promise<ConversationTurn[]>;
  writeConversation(conversationKey: string, turns: ConversationTurn[], at: number): Promise<void>;
  /**
   * Adds `turn` to a conversation in one atomic step, keeping the last `maxTurns`; turns of a
   * conversation last written before `notBefore` (gone idle) are dropped first. Two replicas adding
   * to one conversation at once both keep their turn, which a read and then a write would not.
   */
  appendConversationTurn(conversationKey: string, turn: ConversationTurn, options: { maxTurns: number; notBefore: number; at: number }): Promise<void>;
  deleteConversation(conversationKey: string): Promise<void>;

  // Delivery dedupe -----------------------------------------------------------------------
  /**
   * True the first time `id` of `kind` is claimed within `ttlMs`; false for a repeat. A delivery
   * claims with a short `ttlMs` (a lease) while it is being handled, so a retry reaching another
   * replica after the first one died is taken there, and then confirms the claim (`confirmClaim`).
   */
  claim(kind: DedupeKind, id: string, ttlMs: number, now?: number): Promise<boolean>;
  /** Keeps the claim of `id` until `ttlMs` after `now` (the delivery was handled); never shortens it. */
  confirmClaim(kind: DedupeKind, id: string, ttlMs: number, now?: number): Promise<void>;

  // Pending deliveries: acknowledged, not yet answered ------------------------------------
  /**
   * Records a delivery before it is acknowledged, in one atomic step: a live dedupe record of
   * kind/id means it was answered; a pending one under a live lease means someone is answering it;
   * a pending one whose lease lapsed is taken over; otherwise, unless `maxPending` deliveries of
   * this kind wait already, it is recorded and leased to `owner`.
   */
  acceptDelivery(input: AcceptDeliveryInput): Promise<DeliveryIntake>;
  /**
   * Leases to `owner` up to `limit` pending deliveries of `kind` whose lease lapsed (their holder
   * died, or released them for a later try), oldest first. Two callers never get the same one.
   * SQLite serves one replica, so opening it voids the leases of the process before.
   */
  takeLapsedDeliveries(input: { kind: DedupeKind; owner: string; leaseMs: number; limit: number; now?: number }): Promise<PendingDelivery[]>;
  /** Extends every lease `owner` holds to `leaseMs` from `now`; returns how many. */
  renewDeliveryLeases(owner: string, leaseMs: number, now?: number): Promise<number>;
  /**
   * Saves progress on a delivery `owner` holds (the prepared reply, the messages done) and extends
   * its lease. False when the lease was lost to another holder: the caller must not send.
   */
  updateDelivery(kind: DedupeKind, id: string, owner: string, change: { reply?: string; sentParts?: number }, leaseMs: number, now?: number): Promise<boolean>;
  /** Gives a held delivery back, to be taken again from `retryAt`; counts a failed try when `failed`. */
  releaseDelivery(kind: DedupeKind, id: string, owner: string, retryAt: number, failed: boolean): Promise<void>;
  /**
   * The delivery is done: it stops pending and, when `rememberMs` > 0, a dedupe record of kind/id
   * (as `confirmClaim` writes it) keeps every repeat of it out for that long.
   */
  completeDelivery(kind: DedupeKind, id: string, rememberMs: number, now?: number): Promise<void>;

  // Shared values: small JSON state every replica must see (an AI-bot stream's progress) ---
  /** Stores `value` under kind/key unless a live one is there; returns the live value and whether this call wrote it. */
  putIfAbsent(kind: string, key: string, value: string, ttlMs: number, now?: number): Promise<{ value: string; isNew: boolean }>;
  /** Stores `value` under kind/key, replacing any; it expires `ttlMs` after `now`. */
  putValue(kind: string, key: string, value: string, ttlMs: number, now?: number): Promise<void>;
  /** The live value under kind/key, or undefined when unknown or expired. */
  getValue(kind: string, key: string, now?: number): Promise<string | undefined>;

  // Counters in fixed windows (login throttling) -----------------------------------------
  /** Counts one hit on kind/key; a window of `windowMs` starts at its first hit. Returns the hits in the current window and when it ends. */
  countHit(kind: string, key: string, windowMs: number, now?: number): Promise<{ count: number; resetAt: number }>;
  /** The hits in kind/key's current window without counting one, or undefined when no window is open. */
  peekHits(kind: string, key: string, now?: number): Promise<{ count: number; resetAt: number } | undefined>;
  /** Takes one hit back from kind/key's current window (a try that turned out right); never below zero, never opens a window. */
  uncountHit(kind: string, key: string, now?: number): Promise<void>;

  // Re-index history ----------------------------------------------------------------------
  /** Records a finished re-index; the store keeps the most recent `keep` runs. */
  recordReindexRun(run: ReindexRun, keep?: number): Promise<void>;
  /** The most recent runs, newest first. */
  listReindexRuns(limit: number): Promise<ReindexRun[]>;

  // Coordination between replicas ---------------------------------------------------------
  /**
   * Takes the named lock across every process sharing this store without waiting, or resolves to
   * undefined when another holds it. SQLite serves one replica, so its locks are per process;
   * PostgreSQL uses a session advisory lock on a connection of its own, released if the process dies.
   */
  tryLock(name: string): Promise<HeldLock | undefined>;
  /** Tells every listener of `channel`, in this process and every other replica, about `payload` (≤ 1 KB). */
  announce(channel: string, payload: string): Promise<void>;
  /** Calls `listener` for each announcement on `channel` from now on; resolves to the unsubscribe. */
  listen(channel: string, listener: (payload: string) => void): Promise<() => Promise<void>>;
  health(): StateHealth;

  /** Drops expired sessions, idle conversations, dedupe entries, shared values, counters and deliveries pending longer than PENDING_DELIVERY_MAX_AGE_MS. */
  sweep(now: number, conversationNotBefore: number): Promise<void>;
  close(): Promise<void>;
}
