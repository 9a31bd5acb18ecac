/**
 * A message asked after an earlier turn and read as it stands ("饮食要注意什么" after
 * "高血压需要终身吃降压药吗") may match several sources almost equally; the one about the earlier
 * question's topic is then the likelier reading. Only near-ties are reordered, so a clear topic
 * switch keeps its own best source.
 */
import type { ConversationTurn } from "../core/types.js";
import type { RetrievalResult } from "./retrieve.js";
import { keywordTerms } from "../text/keyword-terms.js";

/** A hit this close to the best one counts as a tie. */
const NEAR_TIE = 0.9;

export function preferEarlierTopic(result: RetrievalResult, history: readonly ConversationTurn[], termWeight: (term: string) => number): RetrievalResult {
  const earlier = [...history].reverse().find((turn) => turn.citedSourceIds.length > 0);
  if (!earlier || result.noAnswer || result.hits.length < 2 || result.hits[1].score < result.hits[0].score * NEAR_TIE) return result;
  const ownTerms = new Set(result.queryTerms);
  // The earlier question's own words, not the ones this message repeats.
  const earlierTerms = [...new Set(keywordTerms(earlier.resolvedQuestion))].filter((term) => !ownTerms.has(term));
  const tied = result.hits.filter((hit) => hit.score >= result.hits[0].score * NEAR_TIE);
  const topicWeight = (hit: RetrievalResult["hits"][number]) => {
    const present = new Set(keywordTerms(`${hit.title}\n${hit.passages.map((passage) => passage.text).join("\n")}`));
    return earlierTerms.reduce((sum, term) => sum + (present.has(term) ? termWeight(term) : 0), 0);
  };
  const weights = tied.map(topicWeight);
  const best = weights.indexOf(Math.max(...weights));
  if (best <= 0) return result;
  const chosen = tied[best];
  return { ...result, hits: [chosen, ...result.hits.filter((hit) => hit !== chosen)] };
}
