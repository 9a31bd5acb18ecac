/**
 * `maskPersonalData` masks the numbers people type about themselves in the ways they write them
 * (grouped, with a country code, in full-width digits) and leaves ordinary content alone.
 */
import { describe, expect, it } from "vitest";
import { maskPersonalData } from "../../src/core/mask-personal-data.js";

/** [label, text, kind, the digits (or address) that must be gone] */
const positives: [string, string, string, string][] = [
  ["mobile, plain", "我的手机号13812345678，医保怎么报销", "phone", "13812345678"],
  ["mobile, hyphens", "电话 138-1234-5678 谢谢", "phone", "12345678"],
  ["mobile, spaces and +86", "call +86 138 1234 5678 please", "phone", "1381234"],
  ["mobile, 0086", "0086 13912345678", "phone", "13912345678"],
  ["mobile, 86 without plus", "8615012345678", "phone", "15012345678"],
  ["mobile, dots", "手机：158.1234.5678", "phone", "1234.5678"],
  ["mobile, full-width digits", "手机１３８１２３４５６７８", "phone", "１３８１２３４５６７８"],
  ["mobile, full-width digits and dashes", "号码是１３８－１２３４－５６７８。", "phone", "５６７８"],
  ["mobile, full-width plus and ideographic spaces", "＋８６　１３８　１２３４　５６７８", "phone", "１２３４"],
  ["resident ID, plain", "身份证110101199003077777，怎么办", "id-number", "110101199003077777"],
  ["resident ID, X check digit", "证件号11010519491231002X。", "id-number", "19491231"],
  ["resident ID, spaced 6-8-4", "身份证 110105 19491231 002X", "id-number", "19491231"],
  ["resident ID, hyphens 6-4-4-4", "110105-1949-1231-002x", "id-number", "1949-1231"],
  ["resident ID, full-width", "身份证１１０１０５１９４９１２３１００２Ｘ", "id-number", "１９４９１２３１"],
  ["old 15-digit ID", "老身份证110105491231002还能用吗", "id-number", "110105491231002"],
  ["bank card, 19 digits", "卡号6222021234567890123", "bank-card", "6222021234567890123"],
  ["bank card, grouped 4-4-4-4-3", "卡号 6222 0212 3456 7890 123", "bank-card", "3456 7890"],
  ["bank card, grouped 4-4-4-4", "4111-1111-1111-1111", "bank-card", "1111-1111"],
  ["bank card, 6 then 13", "622202 1234567890123", "bank-card", "1234567890123"],
  ["landline, Beijing", "办公室010-87654321", "landline", "87654321"],
  ["landline, area code in brackets, spaced", "请拨(0755) 8765 4321", "landline", "8765 4321"],
  ["landline, extension", "0755-87654321-123转人工", "landline", "87654321"],
  ["landline, +86 without the trunk 0", "+86 10 8765 4321", "landline", "8765 4321"],
  ["e-mail", "发到 zhang.san+kb@example.com.cn 吧", "email", "zhang.san"],
  ["passport", "护照号E12345678", "passport", "12345678"],
  ["long digit run", "账号 123456789012", "number", "123456789012"],
];

const negatives: [string, string][] = [
  ["ISO date", "2025-03-18 起执行"],
  ["Chinese date", "2025年3月18日起"],
  ["compact date (8 digits, kept: not identifying on its own)", "自20250318起"],
  ["date range", "20250318-20250401期间"],
  ["timestamp", "2025-03-18T10:30:00Z"],
  ["price", "¥1,234.56，另收3000元"],
  ["large amount with thousands separators", "报销1,234,567,890元"],
  ["percentage and year", "2024年报销比例为85%"],
  ["knowledge-base id", "见 faq-0012 和 faq-12345"],
  ["version", "客户端 v1.2.3 或 10.4.0"],
  ["temperature", "体温38.5度"],
  ["blood pressure", "血压120/80 mmHg"],
  ["issue and article numbers", "第12345期，国发〔2024〕15号第3条"],
  ["URL path", "https://example.org/docs/2024/03/guide-12.html?page=2"],
  ["service number", "客服热线 400-123-4567 或 12345"],
  ["clock time", "每天 08:30-17:30"],
];

describe("maskPersonalData", () => {
  it.each(positives)("masks %s", (_label, text, kind, gone) => {
    const masked = maskPersonalData(text);
    expect(masked).toContain(`[${kind}]`);
    expect(masked).not.toContain(gone);
    // Nothing else is touched: only the masked span differs, and no other label appears.
    expect(masked.match(/\[[a-z-]+\]/g)).toEqual([`[${kind}]`]);
    expect(masked.replace(`[${kind}]`, "")).not.toMatch(/[0-9０-９]{4}/);
  });

  it.each(negatives)("leaves %s unchanged", (_label, text) => {
    expect(maskPersonalData(text)).toBe(text);
  });

  it("keeps the text around a mask exactly, full-width characters included", () => {
    expect(maskPersonalData("（手机）１３８ １２３４ ５６７８，ＡＢＣ２０２５年")).toBe("（手机）[phone]，ＡＢＣ２０２５年");
    expect(maskPersonalData("电话13812345678，身份证110101199003077777，邮箱a@b.cn")).toBe("电话[phone]，身份证[id-number]，邮箱[email]");
  });
});
