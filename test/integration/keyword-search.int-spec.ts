import type { INestApplicationContext } from '@nestjs/common';
import { executeBound, SqlEntityManager, tableName } from '../../src/database/sql';
import { IngestionPoller } from '../../src/ingestion/ingestion.poller';
import { SubmissionService } from '../../src/queue/submission.service';
import { allWordsStatement, anyWordStatement, type BoundStatement, QUERY_WORDS_SQL, termsOf } from '../../src/vector-store/keyword-search';
import { KeywordQuery, VectorStore } from '../../src/vector-store/vector-store';
import { newIngestion } from '../factories/ingestion.factory';
import { describeDatabase } from '../support/test-database';
import { useTestApp } from '../support/use-test-app';

/** SEARCH_KEYWORD_CANDIDATES: far fewer than the chunks that hold the common word. */
const CANDIDATES = 10;
const COMMON_CHUNKS = 200;
const LEDGER = [1, 2, 3].map((k) => `Harbour wall ledger ${k}: tallies of cargo.`);
/** One of the words four times and not the other: ranked by the OR of the words alone, these would come first. */
const REPEATED = [1, 2, 3].map((k) => `Harbour wall, wall, wall: the harbour wall ${k}.`);
/** The rare term, in one chunk that lacks the common word. */
const NEEDLE = 'Zephyrine valve ZX-4411 jammed; zephyrine again.';

interface PlanNode {
  'Node Type': string;
  'Sort Key'?: string[];
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Subplan Name'?: string;
  'CTE Name'?: string;
  Plans?: PlanNode[];
}
const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];
/** The nodes a node reads from, through the CTEs it scans (a materialized CTE is planned apart, as an InitPlan). */
function inputsOf(node: PlanNode, root: PlanNode): PlanNode[] {
  const cte = (name: string) => nodesOf(root).find((n) => n['Subplan Name'] === `CTE ${name}`);
  return nodesOf(node).flatMap((n) => (n['Node Type'] === 'CTE Scan' && cte(n['CTE Name']!) ? [n, ...inputsOf(cte(n['CTE Name']!)!, root)] : [n]));
}

describeDatabase('PgvectorStore keyword search: every word first, any word after, a bounded candidate set', () => {
  const suite = useTestApp({ SEARCH_KEYWORD_CANDIDATES: String(CANDIDATES), POLL_BATCH_SIZE: '20' });
  let app: INestApplicationContext;
  let em: SqlEntityManager;
  let sut: VectorStore;

  beforeAll(async () => {
    app = suite.app;
    em = app.get(SqlEntityManager);
    sut = app.get(VectorStore);
    const { db } = suite;
    // Paragraphs of 31–60 characters: the recursive chunker makes each one chunk of its own.
    const documents = [
      ...Array.from({ length: COMMON_CHUNKS / 20 }, (_, d) =>
        Array.from({ length: 20 }, (_, i) => `Harbour note ${d}.${i}: crates stacked by the crane.`),
      ),
      LEDGER,
      REPEATED,
      [NEEDLE],
    ];
    for (const paragraphs of documents) {
      await db.inContext(() =>
        app
          .get(SubmissionService)
          .submit(newIngestion({ text: paragraphs.join('\n\n'), chunking: { strategy: 'recursive', chunk_size: 60, chunk_overlap: 0 } })),
      );
    }
    await app.get(IngestionPoller).tick();
    expect(await db.count('chunk_vectors')).toBe(COMMON_CHUNKS + LEDGER.length + REPEATED.length + 1);
  });

  const texts = async (query: KeywordQuery) => (await sut.searchKeyword(query)).map((hit) => hit.chunkText);

  /** The statement's plan as run (EXPLAIN ANALYZE): the sort by rank, and the rows it was handed. */
  async function rankSort(statement: BoundStatement): Promise<{ sort: PlanNode; below: PlanNode[]; ranked: number }> {
    const [row] = await executeBound<Record<string, unknown>>(em, `explain (analyze, format json) ${statement.sql}`, statement.params);
    const value = Object.values(row)[0];
    const [{ Plan }] = (typeof value === 'string' ? JSON.parse(value) : value) as { Plan: PlanNode }[];
    const sort = nodesOf(Plan).find((node) => node['Node Type'] === 'Sort' && node['Sort Key']?.some((key) => key.includes('ts_rank_cd')));
    expect(sort).toBeDefined();
    const [input] = sort!.Plans!;
    return { sort: sort!, below: inputsOf(sort!, Plan).slice(1), ranked: input['Actual Rows']! * input['Actual Loops']! };
  }

  it('should return top_k chunks for a word every chunk holds, ranking no more than the candidate bound', async () => {
    const hits = await texts({ text: 'harbour', topK: 5 });
    expect(hits).toHaveLength(5);
    expect(hits.every((text) => /harbour/i.test(text))).toBe(true);
    expect(await texts({ text: 'the harbours', topK: 50 })).toHaveLength(50); // top_k above the bound raises it
  });

  it('should put chunks holding every word before chunks holding only some, and fill top_k with the latter', async () => {
    const hits = await texts({ text: 'harbour ledger', topK: 5 });
    expect(hits).toHaveLength(5);
    expect(new Set(hits.slice(0, 3))).toEqual(new Set(LEDGER));
    expect(hits.slice(3).every((text) => /harbour/i.test(text) && !/ledger/i.test(text))).toBe(true);
    expect(new Set(await texts({ text: 'harbour ledger', topK: 3 }))).toEqual(new Set(LEDGER));

    const walls = await sut.searchKeyword({ text: 'wall ledger', topK: 5 });
    expect(new Set(walls.slice(0, 3).map((hit) => hit.chunkText))).toEqual(new Set(LEDGER));
    expect(walls.slice(3).map((hit) => REPEATED.includes(hit.chunkText))).toEqual([true, true]);
    // By rank alone the repeated word would have put them first.
    expect(Math.min(...walls.slice(3).map((hit) => hit.score))).toBeGreaterThan(Math.max(...walls.slice(0, 3).map((hit) => hit.score)));
  });

  it('should find a rare term in its one chunk among many chunks holding only the common word', async () => {
    expect(await texts({ text: 'harbour zephyrine', topK: 5 })).toContain(NEEDLE);
    expect(await texts({ text: 'what is ZX-4411 about', topK: 5 })).toEqual([NEEDLE]);
    expect(await texts({ text: 'zephyrine', topK: 5 })).toEqual([NEEDLE]);
    // 'wall' is in six chunks, four times in three of them: by rank alone those come first; the rarer word wins.
    const [first, ...rest] = await sut.searchKeyword({ text: 'wall zephyrine', topK: 3 });
    expect(first.chunkText).toBe(NEEDLE);
    expect(rest.some((hit) => REPEATED.includes(hit.chunkText) && hit.score > first.score)).toBe(true);
  });

  it('should apply min_score in both steps', async () => {
    expect(await texts({ text: 'harbour ledger', topK: 5, minScore: 1000 })).toEqual([]);
    const strong = await sut.searchKeyword({ text: 'harbour ledger', topK: 5, minScore: 0.1 });
    expect(strong.every((hit) => hit.score >= 0.1)).toBe(true);
  });

  it('should rank the rows of a LIMIT below the rank sort in both steps, however many chunks match', async () => {
    const table = tableName(em, 'chunk_vectors');
    const query = { text: 'harbour ledger', topK: 5 };
    const [{ words }] = await executeBound<{ words: string }>(em, QUERY_WORDS_SQL, [query.text]);
    const terms = termsOf(words);
    expect(terms).toEqual(["'harbour'", "'ledger'"]);
    const some = anyWordStatement(table, query, terms, CANDIDATES / terms.length, 2);
    for (const statement of [allWordsStatement(table, { text: 'harbour', topK: 5 }, CANDIDATES), some]) {
      const { below, ranked } = await rankSort(statement);
      expect(below.some((node) => node['Node Type'] === 'Limit')).toBe(true);
      expect(ranked).toBeGreaterThan(0);
      expect(ranked).toBeLessThanOrEqual(CANDIDATES);
    }
  });
});
