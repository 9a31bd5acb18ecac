/**
 * Which aspect of its topic a question asks about: the cause, the signs, what to eat, the cost, how
 * long … In a small folder every row is about the same topic (every row of a 舌乳头炎 FAQ says
 * 舌乳头炎), so the topic words tell the rows apart by nothing and what sets the answering row apart
 * is the aspect its title asks about. People ask it in other words than the title ("为啥一熬夜嘴上就
 * 起泡" against "哪些情况容易诱发唇疱疹？", "术后多久能吃东西" against "术后饮食要注意什么？"), so each
 * aspect lists the everyday and the formal ways of asking it, and a source whose title asks about
 * the same aspect as the question is preferred among sources that match its words about as well.
 *
 * The aspects are the kinds of question every health or insurance FAQ has; none names a topic.
 */

export type QuestionAspect =
  | "definition"
  | "cause"
  | "signs"
  | "diet"
  | "treatment"
  | "cost"
  | "reimbursement"
  | "duration"
  | "frequency"
  | "timing"
  | "procedure"
  | "place"
  | "department"
  | "contagion"
  | "malignancy"
  | "recurrence"
  | "seeing-a-doctor"
  | "aftercare"
  | "difference"
  | "eligibility";

const ASPECTS: readonly [QuestionAspect, RegExp][] = [
  [
    "cause",
    /为什么|为啥|为何|怎么会|咋会|原因|导致|引起|诱发|诱因|病因|怎么来的|怎么得的|咋得的|才得|会得|容易得|怎么形成|如何形成|怎么长出来|怎么回事|咋回事/u,
  ],
  ["signs", /症状|表现|征兆|迹象|什么样子|啥样子|什么感觉|啥感觉|有感觉吗|不舒服吗/u],
  ["diet", /饮食|忌口|吃什么好|吃啥好|吃点啥|吃点什么|吃东西|吃饭|进食|能吃辣|吃辣|辛辣|发物|喝什么/u],
  ["treatment", /怎么治|咋治|如何治|治疗|治法|疗法|怎么处理|咋处理|吃什么药|吃啥药|用什么药|用啥药|用药|抹药|涂药|擦药|药膏|抗生素|抗病毒药/u],
  ["cost", /多少钱|几块钱|什么价|啥价|价格|价钱|费用|花多少|花费|贵不贵|贵吗|要钱|掏钱|交钱|付钱|收费|收钱|自费|交多少|缴多少|筹资/u],
  ["reimbursement", /报销|报多少|能报|给报|报几成|比例|几成|待遇标准|支付标准/u],
  ["duration", /多久(?!.{0,3}一次)|多长时间|多少天|几天|几周|几个月|几年|有效期|管几年|持续/u],
  ["frequency", /多久.{0,3}一次|几次|多少次|频率|隔多久|每隔|[年周月天].{0,3}[几多少]次/u],
  ["timing", /什么时候|啥时候|何时|几岁|几点|几号|多大(?:开始|可以|能)|哪天|时间安排/u],
  [
    "procedure",
    /怎么办理|如何办理|怎么办|咋办理|怎么申请|如何申请|咋申请|申请流程|流程|步骤|手续|材料|带什么|带啥|要带|证件|怎么交|咋交|如何缴|怎么缴|怎么补|咋补|怎么开通|怎么绑定|怎么查|咋查|如何查询/u,
  ],
  ["place", /在哪|去哪|哪里|哪儿|哪家|什么地方|啥地方|网上|线上|手机上|app/u],
  ["department", /什么科|啥科|哪个科|挂号|门诊挂/u],
  ["contagion", /传染|传给|传人|过人|会传|接触.{0,4}会/u],
  ["malignancy", /癌|恶变|变坏|恶性/u],
  ["recurrence", /复发|再长|又长|还会长|反复|断根|根治|好几次|老是/u],
  ["seeing-a-doctor", /去医院|上医院|就医|看医生|急诊|就诊|医院看/u],
  ["aftercare", /注意什么|注意事项|要注意|注意啥|怎么护理|如何护理|怎样护理|护理要点|之后要|后要/u],
  ["difference", /区别|区分|分辨|不同|差别|不一样|一样吗|哪个好|哪个划算|选哪|还是/u],
  ["eligibility", /哪些人|什么人|啥人|谁能|谁可以|条件|资格|符合|适合|能不能参加|能参加|能办|能申请/u],
];

/** A title or question that asks what something is: 什么是X, X是什么, 是个啥, 干啥用的, 是做什么的. */
const ASKS_DEFINITION =
  /什么是|是什么(?:病|东西|意思)?[吗呢啊]?$|是啥|是个啥|干啥用|干什么用|做什么用|有什么用|有啥用|[做干](?:啥|什么)的|啥意思|什么意思|什么病|啥病/u;

/** The aspects `normalized` (a question or a source title, normalizeText form) asks about. */
export function questionAspects(normalized: string): Set<QuestionAspect> {
  const aspects = new Set<QuestionAspect>();
  // A title may ask two things ("什么是长期护理保险？和医保有什么不同？"): each sentence is read alone.
  for (const sentence of normalized.split(/[？?！!。；;]+/u)) {
    const text = sentence.replace(/[，,、：:\s]+$/u, "");
    let found = false;
    for (const [aspect, pattern] of ASPECTS) {
      if (!pattern.test(text)) continue;
      aspects.add(aspect);
      found = true;
    }
    // "原因是什么" asks for the cause, not what something is: the definition counts only alone.
    if (!found && ASKS_DEFINITION.test(text)) aspects.add("definition");
  }
  return aspects;
}

/** True when the two sets share an aspect. */
export function sharesAspect(left: ReadonlySet<QuestionAspect>, right: ReadonlySet<QuestionAspect>): boolean {
  for (const aspect of left) if (right.has(aspect)) return true;
  return false;
}
