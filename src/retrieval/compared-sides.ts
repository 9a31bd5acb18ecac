/**
 * Does a question compare two things ("A和B有什么区别", "A与B哪个好", "A还是B")? If so, the two
 * things, so an answer can quote a source about each when no single source covers both.
 */

/** Words that make "A和B" a comparison rather than a question about both together. */
const COMPARISON_CUE = /区别|差别|差异|不同|异同|哪个|哪种|哪一个|哪样|还是|相比|比较|对比|一样吗|一样么|一样不|好些|更好|有何不同|vs/i;
/** Where the first thing ends and the second begins. */
const CONNECTOR = /和|与|跟|还是|或者|对比|相比|vs\.?/i;
/** The comparison itself, cut off the end of the second thing ("…有什么区别", "…哪个好"). */
const TRAILING_COMPARISON =
  /(?:之间|两者|二者)?(?:有|有没有|存在)?(?:什么|啥|哪些|何)?(?:区别|差别|差异|不同|异同|哪个|哪种|哪一个|哪样|比较|相比|一样|好些|更好).*$/i;
const LEADING_WORDS = /^(?:请问|想问一下|想问|请教|问一下)?(?:吃|用|选|买|做|打)?/;

export function comparedSides(question: string): [string, string] | undefined {
  if (!COMPARISON_CUE.test(question)) return undefined;
  const connector = CONNECTOR.exec(question);
  if (!connector || connector.index === 0) return undefined;
  const first = question.slice(0, connector.index).replace(LEADING_WORDS, "").trim();
  const second = question
    .slice(connector.index + connector[0].length)
    .replace(TRAILING_COMPARISON, "")
    .replace(/[？?。！!，,\s]+$/, "")
    .trim();
  return first !== "" && second !== "" ? [first, second] : undefined;
}
