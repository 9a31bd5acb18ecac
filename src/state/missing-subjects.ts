/**
 * The unanswered queue by what the knowledge base lacks: questions whose no-answer named a missing
 * subject are gathered under it ("北京医保在上海使用: 3", "补办: 2"), biggest first, so the admin
 * sees which content to write; the rest stay one entry per question. Subjects are matched in the
 * queue's own normal form (questionGroupKey), so a full-width or traditional spelling joins its group.
 */
import { questionGroupKey } from "./question-group-key.js";
import type { QuestionGroup } from "./state-store.js";

/** Unanswered questions read to count the subjects: more than a queue page lists, so the counts hold beyond it. */
export const MISSING_SUBJECT_SCAN_LIMIT = 2000;

export interface MissingSubjectGroup {
  /** The subject as the most recent of its questions named it. */
  subject: string;
  /** Asks of all its questions in the window. */
  count: number;
  lastAskedAt: number;
  /** Its questions, in the queue's order. */
  questions: QuestionGroup[];
}

export interface QueueBySubject {
  bySubject: MissingSubjectGroup[];
  /** Questions whose no-answer named no subject, in the queue's order. */
  withoutSubject: QuestionGroup[];
}

export function groupByMissingSubject(questions: readonly QuestionGroup[]): QueueBySubject {
  const bySubject = new Map<string, MissingSubjectGroup>();
  const withoutSubject: QuestionGroup[] = [];
  for (const question of questions) {
    const key = question.missingSubject === undefined ? "" : questionGroupKey(question.missingSubject);
    if (key === "") {
      withoutSubject.push(question);
      continue;
    }
    const group = bySubject.get(key);
    if (!group) {
      bySubject.set(key, { subject: question.missingSubject!, count: question.count, lastAskedAt: question.lastAskedAt, questions: [question] });
      continue;
    }
    group.count += question.count;
    group.questions.push(question);
    if (question.lastAskedAt > group.lastAskedAt) {
      group.lastAskedAt = question.lastAskedAt;
      group.subject = question.missingSubject!;
    }
  }
  const ranked = [...bySubject.values()].sort(
    (left, right) => right.count - left.count || right.lastAskedAt - left.lastAskedAt || left.subject.localeCompare(right.subject),
  );
  return { bySubject: ranked, withoutSubject };
}
