import type { Pool } from 'pg';
import { loadConfig } from '../src/config/app-config';
import type { HashingEmbedder } from '../src/embedding/hashing.embedder';
import { allWordsStatement, anyWordStatement, QUERY_WORDS_SQL, termsOf, TEXT_SEARCH_CONFIG } from '../src/vector-store/keyword-search';
import { HIT_COLUMNS } from '../src/vector-store/search-rows';
import { Corpus, prng } from './corpus';
import { createPool } from './lib/database';
import { HttpClient } from './lib/http-client';
import { prepareRows } from './lib/rows';
import { seedServiceTables, startService } from './lib/service';
import { inParallel, latencySummary, round } from './lib/stats';

export interface KeywordSize {
  /** Chunks in the store searched. */
  chunks: number;
  documentChars: number;
  /** Queries of each class through the service. */
  queries: number;
  /** Queries of each class through the old, unbounded SQL (seconds each at 100k chunks on common words). */
  referenceQueries: number;
  serviceEnv: Record<string, string>;
}

/** The target: keyword and hybrid p99 at 100k chunks, for common-word and for rare-term queries. */
export const KEYWORD_P99_TARGET_MS = 50;
const SCHEMA = 'bench_keyword';
const COLLECTION = 'default';
const TOP_K = 10;
const IN_FLIGHT = 20;
const SEED = 20261203;
/**
 * Words added at the end of a sentence with these odds: a chunk holds about ten sentences, so each word is in
 * 60–97% of the chunks (measured and reported as `termShares`), as words like a product's name are.
 */
const COMMON_TERMS: Record<string, number> = { harbour: 0.3, ledger: 0.12, signal: 0.1, archive: 0.09 };

type Latency = { p50: number; p95: number; p99: number };
type QueryClass = 'common' | 'rare' | 'mixed';

/** The keyword SQL before the candidate bound: every chunk holding any word ranked, then the top 10. */
const OLD_SQL = `with q as (select replace(plainto_tsquery('${TEXT_SEARCH_CONFIG}', $1::text)::text, ' & ', ' | ')::tsquery as terms)
  select ${HIT_COLUMNS}, ts_rank_cd(chunk_tsv, q.terms) as score
    from "${SCHEMA}".chunk_vectors, q
   where chunk_tsv @@ q.terms and collection = $2
   order by score desc, chunk_id
   limit ${TOP_K}`;

/**
 * Keyword and hybrid search over a store where some words are in most chunks: p50/p99 over HTTP for queries
 * of common words, of a rare code among common words, and of topic words with a common one, one at a time and
 * 20 in flight; beside them the same queries as the bounded SQL alone and as the old unbounded SQL.
 */
export async function measureKeyword(url: string, pool: Pool, embedder: HashingEmbedder, size: KeywordSize, log: (m: string) => void) {
  const random = prng(SEED);
  const corpus = new Corpus({ seed: SEED, topics: 50 });
  const documents: string[] = [];
  for (let chunks = 0; chunks < size.chunks; chunks += Math.ceil((size.documentChars - 200) / 800)) {
    documents.push(withCommonTerms(corpus.document(corpus.randomTopic(), size.documentChars), random));
  }
  // A rare code in one document each (one or two chunks, with the overlap), asked for among common words.
  const common = Object.keys(COMMON_TERMS);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
  const codes = Array.from({ length: size.queries }, (_, i) => `QX-${7001 + i}`);
  for (const code of codes) {
    const d = Math.floor(random() * documents.length);
    documents[d] = insertSentence(documents[d], `Fault ${code} was logged.`, random);
  }
  const queries: Record<QueryClass, string[]> = {
    common: Array.from({ length: size.queries }, () =>
      shuffled(common, random)
        .slice(0, 1 + Math.floor(random() * 3))
        .join(' '),
    ),
    rare: codes.map((code) => `what does ${code} mean for the ${pick(common)} ${pick(common)}`),
    mixed: Array.from({ length: size.queries }, () => `${corpus.query(corpus.randomTopic())} ${pick(common)}`),
  };

  await pool.query(`drop schema if exists "${SCHEMA}" cascade`);
  const app = await startService(url, SCHEMA, size.serviceEnv);
  const wide = createPool(url, { max: IN_FLIGHT });
  try {
    const rows = prepareRows(documents, embedder);
    await seedServiceTables(pool, SCHEMA, rows);
    const termShares: Record<string, number> = {};
    for (const term of common) {
      const { rows: counted } = await pool.query<{ n: number }>(
        `select count(*)::int as n from "${SCHEMA}".chunk_vectors where chunk_tsv @@ plainto_tsquery('${TEXT_SEARCH_CONFIG}', $1)`,
        [term],
      );
      termShares[term] = round(counted[0].n / rows.length, 3);
    }
    log(`keyword corpus: ${rows.length} chunks; share of chunks holding ${JSON.stringify(termShares)}`);

    const client = new HttpClient(app.baseUrl);
    const search = async (mode: 'keyword' | 'hybrid', query: string): Promise<any[]> => {
      const response = await client.json('POST', '/v1/search', { query, mode, top_k: TOP_K });
      if (response.status !== 200) throw new Error(`${mode} search answered ${response.status}: ${JSON.stringify(response.body)}`);
      return response.body.results;
    };
    const table = `"${SCHEMA}".chunk_vectors`;
    const candidates = loadConfig(size.serviceEnv).SEARCH_KEYWORD_CANDIDATES;
    const bounded = async (text: string) => {
      const query = { text, topK: TOP_K, collection: COLLECTION };
      const all = allWordsStatement(table, query, candidates);
      const found = (await pool.query(all.sql, all.params)).rows.length;
      if (found >= TOP_K) return;
      const terms = termsOf((await pool.query<{ words: string }>(QUERY_WORDS_SQL, [text])).rows[0].words);
      if (terms.length < 2) return;
      const some = anyWordStatement(table, query, terms, Math.ceil(candidates / terms.length), TOP_K - found);
      await pool.query(some.sql, some.params);
    };
    const old = async (text: string, on: Pool = pool) => void (await on.query(OLD_SQL, [text, COLLECTION]));

    const classes: Record<string, unknown> = {};
    let rareFirst = 0;
    for (const name of ['common', 'rare', 'mixed'] as const) {
      const list = queries[name];
      const keywordMs = await timeEach(list, async (q, i) => {
        const results = await search('keyword', q);
        if (name === 'common' && results.length !== TOP_K) throw new Error(`keyword "${q}" found ${results.length}`);
        if (name === 'rare' && i >= 0 && String(results[0]?.chunk_text).includes(codes[i])) rareFirst++;
      });
      const hybridMs = await timeEach(list, async (q) => void (await search('hybrid', q)));
      const boundedSqlMs = await timeEach(list, bounded);
      const oldSqlMs = await timeEach(list.slice(0, size.referenceQueries), (q) => old(q));
      classes[name] = { keywordMs, hybridMs, boundedSqlMs, oldSqlMs };
      log(`keyword, ${name}: keyword p50/p99 ${ms(keywordMs)}, hybrid ${ms(hybridMs)}, bounded SQL ${ms(boundedSqlMs)}, old SQL ${ms(oldSqlMs)}`);
    }
    const everyClass = [...queries.common, ...queries.rare, ...queries.mixed];
    const references = (['common', 'rare', 'mixed'] as const).flatMap((name) => queries[name].slice(0, size.referenceQueries));
    const inFlight20 = {
      keywordMs: await timeInFlight(everyClass, async (q) => void (await search('keyword', q))),
      hybridMs: await timeInFlight(everyClass, async (q) => void (await search('hybrid', q))),
      oldSqlMs: await timeInFlight(references, (q) => old(q, wide)),
    };
    log(
      `keyword, ${IN_FLIGHT} in flight: keyword ${ms(inFlight20.keywordMs)}, hybrid ${ms(inFlight20.hybridMs)}, old SQL ${ms(inFlight20.oldSqlMs)}`,
    );
    client.close();

    const holds = (c: any) => c.keywordMs.p99 <= KEYWORD_P99_TARGET_MS && c.hybridMs.p99 <= KEYWORD_P99_TARGET_MS;
    return {
      chunks: rows.length,
      candidates,
      termShares,
      queriesPerClass: size.queries,
      referenceQueriesPerClass: size.referenceQueries,
      ...classes,
      inFlight20,
      rareFoundFirst: round(rareFirst / codes.length, 3),
      target: { p99Ms: KEYWORD_P99_TARGET_MS, commonHolds: holds(classes.common), rareHolds: holds(classes.rare) },
    };
  } finally {
    await wide.end();
    await app.stop();
  }
}

/** Appends common words to sentences at COMMON_TERMS' odds. */
function withCommonTerms(text: string, random: () => number): string {
  return text.replace(/\.(?= |\n|$)/g, () => {
    const added = Object.entries(COMMON_TERMS)
      .filter(([, odds]) => random() < odds)
      .map(([word]) => word);
    return added.length ? ` ${added.join(' ')}.` : '.';
  });
}

function insertSentence(text: string, sentence: string, random: () => number): string {
  const breaks = [...text.matchAll(/\. /g)].map((m) => m.index + 2);
  const at = breaks.length ? breaks[Math.floor(random() * breaks.length)] : text.length;
  return `${text.slice(0, at)}${sentence} ${text.slice(at)}`;
}

function shuffled<T>(items: T[], random: () => number): T[] {
  return items
    .map((item) => ({ item, key: random() }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);
}

const ms = (l: Latency) => `${round(l.p50, 2)}/${round(l.p99, 2)} ms`;
const rounded = (l: Latency): Latency => ({ p50: round(l.p50, 2), p95: round(l.p95, 2), p99: round(l.p99, 2) });
const elapsedMs = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;

/** One at a time, after a few warm-up runs. */
async function timeEach(queries: string[], run: (q: string, i: number) => Promise<void>): Promise<Latency> {
  for (const q of queries.slice(0, 3)) await run(q, -1);
  const latencies: number[] = [];
  for (const [i, q] of queries.entries()) {
    const started = process.hrtime.bigint();
    await run(q, i);
    latencies.push(elapsedMs(started));
  }
  return rounded(latencySummary(latencies));
}

/** IN_FLIGHT at a time; each query's own latency (its wait for a connection included). */
async function timeInFlight(queries: string[], run: (q: string) => Promise<void>): Promise<Latency & { queriesPerSecond: number }> {
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  await inParallel(queries, IN_FLIGHT, async (q) => {
    const own = process.hrtime.bigint();
    await run(q);
    latencies.push(elapsedMs(own));
  });
  return { ...rounded(latencySummary(latencies)), queriesPerSecond: round(queries.length / (elapsedMs(started) / 1000), 1) };
}
