/**
 * The one place that decides whether an answer carries the medical disclaimer. It does when any
 * cited source carries the disclaimer itself (or is marked `disclaimer: true`), or when what is
 * quoted is about symptoms, illness, medicines, treatment, seeing a doctor or medical insurance.
 * A site's category is not enough: a geography article filed under 健康新闻 gets none.
 */
import { normalizeText } from "../text/normalize-text.js";

/** Terms that only occur when a text is about health care. Kept specific to avoid false alarms. */
const MEDICAL_TERMS = [
  // insurance and care
  "医保",
  "医疗保险",
  "就医",
  "就诊",
  "看病",
  "挂号",
  "门诊",
  "急诊",
  "住院",
  "报销",
  "医院",
  "诊所",
  "医生",
  "医师",
  "大夫",
  "药店",
  "处方",
  // illness and symptoms
  "症状",
  "疾病",
  "病情",
  "病人",
  "患者",
  "患病",
  "发病",
  "生病",
  "病毒",
  "感染",
  "炎症",
  "发炎",
  "发烧",
  "发热",
  "咳嗽",
  "头痛",
  "头疼",
  "疼痛",
  "腹泻",
  "拉肚子",
  "呕吐",
  "恶心",
  "失眠",
  "过敏",
  "肿瘤",
  "癌",
  "高血压",
  "低血压",
  "血压",
  "血糖",
  "糖尿病",
  "心脏病",
  "冠心病",
  "中风",
  "哮喘",
  "肺炎",
  "胃炎",
  "肝炎",
  "肾炎",
  "结石",
  "骨折",
  "抑郁",
  "焦虑症",
  "感冒",
  "流感",
  "贫血",
  "痛风",
  "湿疹",
  // medicines and treatment
  "药物",
  "药品",
  "用药",
  "服药",
  "口服",
  "吃药",
  "西药",
  "中药",
  "处方药",
  "抗生素",
  "副作用",
  "剂量",
  "治疗",
  "疗法",
  "手术",
  "康复",
  "化验",
  "体检",
  "复查",
  "疫苗",
  "面诊",
];

export interface DisclaimerInput {
  /** The cited source carries the disclaimer itself or is marked `disclaimer: true`. */
  sourceDisclaimer: boolean;
  title: string;
  /** What the answer quotes from it. */
  quotedText: string;
}

export function isMedicalText(text: string): boolean {
  const normalized = normalizeText(text);
  return MEDICAL_TERMS.some((term) => normalized.includes(term));
}

/** True when the answer drawn from these sources must end with the disclaimer. */
export function needsDisclaimer(cited: DisclaimerInput[]): boolean {
  return cited.some((source) => source.sourceDisclaimer || isMedicalText(`${source.title}\n${source.quotedText}`));
}
