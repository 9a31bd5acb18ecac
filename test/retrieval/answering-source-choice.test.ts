/**
 * Which source answers a short question on a small folder: one that holds something of what is asked
 * besides the place (a page on 五指山's sights does not answer "海南医保去外省能用吗"), and ranked without
 * the synonyms of a word nearly every row holds (医保 → 基本医疗保险 lifted the row on paying premiums
 * above the one on checking the balance).
 */
import { describe, expect, it, onTestFinished } from "vitest";
import { retrieve } from "../../src/retrieval/retrieve.js";
import { indexOfFolder } from "../support/folder-index.js";

describe("the source a short question is answered from", () => {
  it("holds a subject besides the place, found by the word, a synonym or the words of a phrase", { timeout: 60_000 }, async () => {
    const { index, remove } = await indexOfFolder({ "000_9de61d0cf05b51f0.txt": { copyOf: "knowledge/000_9de61d0cf05b51f0.txt" } });
    onTestFinished(remove);
    const result = await retrieve(index, "海南医保去外省能用吗");
    expect(result.noAnswer).toBe(true);
    expect(result.missingSubject).toBe("海南");
    // A phrase of the synonym lists is found by its words: the page says 报销 and 比例, never 报销比例.
    const phrase = await retrieve(index, "共济以后门诊报销比例大概多少");
    expect(phrase.noAnswer).toBe(false);
    expect(phrase.hits[0].title).toBe("医保卡共济后门诊怎么报销");
    const covered = await retrieve(index, "吉林医保在陕西能用吗");
    expect(covered.noAnswer).toBe(false);
    expect(covered.hits[0].title).toBe("吉林省医保可以在陕西用吗");
  });

  it("is ranked without the synonyms of a word most rows hold", { timeout: 60_000 }, async () => {
    const { index, remove } = await indexOfFolder({ "employee-account-faq.csv": { copyOf: "test/fixtures/employee-account-faq.csv" } });
    onTestFinished(remove);
    const result = await retrieve(index, "手机上咋看医保余额");
    expect(result.noAnswer).toBe(false);
    expect(result.hits[0].sourceId).toBe("account-balance-check");
  });
});
