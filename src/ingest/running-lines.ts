/**
 * Running headers, footers and page numbers of a paged document. They repeat on every page, so
 * left in they would match every question about the document's title and split sentences that
 * run across a page break.
 */

/** How many lines at each end of a page are looked at. */
const EDGE_LINES = 2;
/** A line at a page's edge repeated on at least this share of pages is a running header or footer. */
const REPEATED_SHARE = 0.5;
/** Fewer pages than this and repetition says nothing. */
const MIN_PAGES = 3;

/** `12`, `- 12 -`, `第 12 页`, `12 / 40`, `Page 12 of 40`, `第12页 共40页`. */
const PAGE_NUMBER =
  /^(?:[-–—\s]*\d{1,4}[-–—\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*\/\s*\d{1,4}|page\s+\d{1,4}(?:\s+of\s+\d{1,4})?)$/i;

/** A line with its digits blanked, so `手册 · 3` and `手册 · 4` count as the same running line. */
const shape = (line: string) => line.replace(/\d+/g, "#").replace(/\s+/g, "");

export function isPageNumberLine(line: string): boolean {
  return PAGE_NUMBER.test(line.trim());
}

/**
 * Pages with their page-number lines and repeated edge lines removed. A line counts as repeated
 * when it recurs word for word, or with only its digits changed and one of them the page's own
 * number (so `第3章` on page 3 is kept, `手册 · 3` on page 3 is not).
 */
export function dropRepeatedEdgeLines<Page extends { number: number; lines: string[] }>(pages: Page[]): Page[] {
  const exact = new Map<string, number>();
  const shaped = new Map<string, number>();
  const count = (counts: Map<string, number>, keys: string[]) => {
    for (const key of new Set(keys)) counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  const edgesOf = (page: Page) => [...page.lines.slice(0, EDGE_LINES), ...page.lines.slice(-EDGE_LINES)];
  for (const page of pages) {
    count(exact, edgesOf(page));
    count(shaped, edgesOf(page).map(shape));
  }
  const often = (counts: Map<string, number>, key: string) => pages.length >= MIN_PAGES && (counts.get(key) ?? 0) >= pages.length * REPEATED_SHARE;
  const carriesPageNumber = (line: string, number: number) => (line.match(/\d+/g) ?? ([] as string[])).includes(String(number));
  return pages.map((page) => {
    const lastIndex = page.lines.length - 1;
    const lines = page.lines.filter((line, index) => {
      const atEdge = index < EDGE_LINES || index > lastIndex - EDGE_LINES;
      if (!atEdge) return true;
      const repeated = often(exact, line) || (carriesPageNumber(line, page.number) && often(shaped, shape(line)));
      return !(isPageNumberLine(line) || repeated);
    });
    return { ...page, lines };
  });
}
