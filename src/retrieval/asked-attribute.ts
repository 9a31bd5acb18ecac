/**
 * What kind of fact a question asks for, where it asks for a figure: a price ("拔一颗智齿多少钱"), a
 * length of time ("甲状腺手术要住院几天") or the share of a cost insurance pays ("门诊报销比例是多少").
 * A source answers such a question only if it states a figure of that kind: an FAQ row on how often
 * to have teeth cleaned holds every word of "洗一次牙要多少钱" and still does not answer it. The check is the expected-answer type of classic question answering,
 * kept to the kinds chat questions ask most and a source states in a form that can be recognised.
 */

export type AttributeKind = "price" | "duration" | "share";

export interface AskedAttribute {
  kind: AttributeKind;
  /** Where the asking phrase starts in the normalized question. */
  start: number;
}

/** Asking for a price: 多少钱, 什么价, 费用多少, 贵不贵, 花多少. */
const ASKS_PRICE = /多少钱|几块钱|什么价|啥价|价格|价钱|费用(?:是)?多少|收费(?:是)?多少|花多少|贵不贵|贵吗|要钱吗|收费吗|收钱吗/u;
/** Asking for a length of time: 多久, 多长时间, 几天, 几个月, 多少年, 几年. */
const ASKS_DURATION = /多久|多长时间|多少天|几天|几周|几个星期|几个月|多少年|几年|几个小时|多少小时|几小时|多少分钟|几分钟/u;

/** Asking for a share of a cost (what insurance pays back): 报销比例, 报百分之多少, 能报几成. */
const ASKS_SHARE = /比例|百分之(?:多少|几)|几成/u;

/** A price stated: a number of yuan, or that it is free (免费, 不收费). */
const STATES_PRICE = /[0-9一二三四五六七八九十百千万两几]+(?:\.\d+)?\s*(?:多)?(?:元|块|万元|千元)|免费|不收费|不要钱|费用全免|收费标准|价格/u;
/** A length of time stated: a number of hours, days, weeks, months or years, or a standing span. */
const STATES_DURATION =
  /[0-9一二三四五六七八九十百两半几数]+\s*(?:多)?(?:个)?(?:多)?(?:工作日|分钟|小时|钟头|天|日|周|星期|月|年|岁)|当天|次日|隔天|终身|长期|立即|马上|随时/u;

/** A share stated: a percentage, or a number of tenths (报七成). */
const STATES_SHARE = /[0-9]+(?:\.[0-9]+)?\s*[%％]|百分之[零一二三四五六七八九十百]+|[一二三四五六七八九]成/u;

const ASKING = { price: ASKS_PRICE, duration: ASKS_DURATION, share: ASKS_SHARE } as const;
const STATING = { price: STATES_PRICE, duration: STATES_DURATION, share: STATES_SHARE } as const;

/** The figure `normalized` (a short question, normalizeText form) asks for, if any; a price before a time before a share. */
export function askedAttribute(normalized: string): AskedAttribute | undefined {
  for (const kind of ["price", "duration", "share"] as const) {
    const match = ASKING[kind].exec(normalized);
    if (match) return { kind, start: match.index };
  }
  return undefined;
}

/** True when `text` (a source, normalizeText form) states a figure of the kind asked. */
export const statesAttribute = (text: string, kind: AttributeKind) => STATING[kind].test(text);

/** Filler around the thing a figure is asked about ("做根管治疗大概要" → 根管治疗). */
const FILLER_START = /^(?:请问|想问|问下|问一下|我想|我|做|去|打)+/u;
const FILLER_END = /(?:报销|报|大概|大约|一般|一共|总共|要|得|需要|需|能|可以|的|是|做|花|了|都|还)+$/u;

/** How a reply names the missing figure: "根管治疗的费用", "甲状腺手术住院的时间". */
export function nameAttribute(normalized: string, attribute: AskedAttribute): string {
  const about = normalized
    .slice(0, attribute.start)
    .replace(/^.*[，,。；;]/u, "")
    .replace(FILLER_START, "")
    .replace(FILLER_END, "");
  const label = { price: "费用", duration: "时间", share: "报销比例" }[attribute.kind];
  return about === "" ? label : `${about.slice(-12)}的${label}`;
}
