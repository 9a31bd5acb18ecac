import { describe, expect, it } from "vitest";
import { keywordTerms } from "../../src/text/keyword-terms.js";
import { decodeKeywordPostings, encodeKeywordPostings } from "../../src/store/keyword-file.js";
import { KeywordIndex } from "../../src/store/keyword-index.js";
import { buildKeywordPostings, updateKeywordPostings } from "../../src/store/keyword-postings.js";

const documents = [
  { titleTerms: keywordTerms("医保卡丢了怎么办"), bodyTerms: keywordTerms("先挂失，再到经办机构补办。") },
  { titleTerms: keywordTerms("异地就医怎么备案"), bodyTerms: keywordTerms("通过国家医保服务平台APP办理备案。") },
  { titleTerms: keywordTerms("高血压可以吃党参吗"), bodyTerms: keywordTerms("高血压病人可以适量服用党参，血压控制不好时先咨询医生。") },
];

describe("keyword index file", () => {
  it("round-trips the postings exactly, so a loaded index ranks as the one that was built", () => {
    const postings = buildKeywordPostings(documents);
    const decoded = decodeKeywordPostings(Buffer.concat(encodeKeywordPostings(postings)));
    expect(decoded.terms).toEqual(postings.terms);
    for (const key of ["offsets", "rows", "titleFrequencies", "bodyFrequencies", "titleLengths", "bodyLengths"] as const)
      expect(Array.from(decoded[key])).toEqual(Array.from(postings[key]));
    const terms = keywordTerms("高血压能不能吃党参");
    expect(new KeywordIndex(decoded).search(terms, 3)).toEqual(new KeywordIndex(postings).search(terms, 3));
  });

  it("rejects a truncated file and a file of another kind with a message saying which", () => {
    const file = Buffer.concat(encodeKeywordPostings(buildKeywordPostings(documents)));
    expect(() => decodeKeywordPostings(file.subarray(0, file.length - 16))).toThrow(/truncated/);
    expect(() => decodeKeywordPostings(Buffer.from("not an index at all"))).toThrow(/not a keyword index file/);
  });

  it("updates by renumbering kept rows and indexing only the added ones", () => {
    const previous = buildKeywordPostings(documents);
    // Row 0 is removed, rows 1 and 2 move up, and a new document is added as row 2.
    const added = { titleTerms: keywordTerms("医保卡密码忘了"), bodyTerms: keywordTerms("带身份证到银行网点重置。") };
    const updated = updateKeywordPostings(previous, Int32Array.from([-1, 0, 1]), [{ row: 2, document: added }]);
    const expected = buildKeywordPostings([documents[1], documents[2], added]);
    const byTerm = (postings: typeof updated) =>
      Object.fromEntries(postings.terms.map((term, id) => [term, Array.from(postings.rows.subarray(postings.offsets[id], postings.offsets[id + 1])).sort()]));
    expect(byTerm(updated)).toEqual(byTerm(expected));
    expect(Array.from(updated.bodyLengths)).toEqual(Array.from(expected.bodyLengths));
    expect(updated.terms).not.toContain("挂失");
  });
});

describe("keyword postings after an update", () => {
  it("stay sorted by row when added rows fall between kept ones, and rank as a fresh build", () => {
    const previous = buildKeywordPostings(documents);
    const added = { titleTerms: keywordTerms("医保卡补办要多久"), bodyTerms: keywordTerms("一般当场补办。") };
    const updated = updateKeywordPostings(previous, Int32Array.from([0, 2, 3]), [{ row: 1, document: added }]);
    for (let term = 0; term < updated.terms.length; term++) {
      const rows = Array.from(updated.rows.subarray(updated.offsets[term], updated.offsets[term + 1]));
      expect(rows).toEqual([...rows].sort((left, right) => left - right));
    }
    const fresh = new KeywordIndex(buildKeywordPostings([documents[0], added, documents[1], documents[2]]));
    for (const question of ["医保卡补办", "高血压党参", "异地备案"])
      expect(new KeywordIndex(updated).search(keywordTerms(question), 4)).toEqual(fresh.search(keywordTerms(question), 4));
  });
});
