/**
 * The pages a chunk [start, end) of a paged document covers, as chunk metadata: `{ page }` (1-based) for a
 * chunk on one page, plus `page_end` when it runs onto later pages. `pageStarts[i]` is where page i + 1
 * starts in the text.
 */
export function pageMetadata(pageStarts: number[] | null | undefined, start: number, end: number): { page?: number; page_end?: number } {
  if (!pageStarts?.length) return {};
  const page = pageAt(pageStarts, start);
  const pageEnd = pageAt(pageStarts, Math.max(start, end - 1));
  return pageEnd > page ? { page, page_end: pageEnd } : { page };
}

/** 1-based number of the page holding character `offset` (binary search over the page starts). */
function pageAt(pageStarts: number[], offset: number): number {
  let low = 0;
  let high = pageStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (pageStarts[mid] <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}
