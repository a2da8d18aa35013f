import { executeBound, SqlEntityManager } from '../database/sql';
import { HIT_COLUMNS, HitRow, toHit, whereClause } from './search-rows';
import type { KeywordQuery, SearchHit } from './vector-store';

/** Text-search configuration of the chunk_tsv column (see the collections migration); queries must use the same. */
export const TEXT_SEARCH_CONFIG = 'english';

/**
 * The query's words, stemmed and without stop words, ANDed (plainto_tsquery quotes them). Written out in each
 * statement with the text bound as a parameter: the function is immutable, so the planner folds it into a
 * constant and estimates how many chunks hold the words from the column's statistics.
 */
const ALL_WORDS = `plainto_tsquery('${TEXT_SEARCH_CONFIG}', $1::text)`;
/** The same words ORed: turning plainto_tsquery's ANDs into ORs keeps its quoting. */
const ANY_WORD = `replace(${ALL_WORDS}::text, ' & ', ' | ')::tsquery`;

export interface BoundStatement {
  sql: string;
  params: unknown[];
}

/** Terms the any-word step searches one by one, at most: a pasted paragraph is not hundreds of index scans. */
const MAX_TERMS = 32;

/**
 * Keyword search in two steps, each ranking a bounded candidate set with ts_rank_cd (which rewards chunks
 * where the matched words are many and close together), so its cost does not grow with how many chunks hold
 * a common word:
 *  1. chunks holding every word, at most `maxCandidates` of them (at least topK), best rank first;
 *  2. only when that found fewer than topK: chunks holding some word but not all, after the first step's, so a
 *     question still finds the chunk that holds its rare term when the other words are elsewhere; those
 *     holding rarer words first.
 * Ranking every match (OR) of words that every chunk holds took 2.9 s p50 at 13k chunks and 20 connections;
 * measured on 100k such chunks, one query: 364 ms ranking all of them, 3.8 ms for step 1 with 1000 candidates.
 */
export async function searchKeyword(em: SqlEntityManager, table: string, query: KeywordQuery, maxCandidates: number): Promise<SearchHit[]> {
  const topK = Math.trunc(query.topK);
  const candidates = Math.max(Math.trunc(maxCandidates), topK);
  const all = allWordsStatement(table, query, candidates);
  const found = await executeBound<HitRow>(em, all.sql, all.params);
  if (found.length >= topK) return found.map(toHit);
  // A single term has nothing to add to step 1.
  const terms = await queryTerms(em, query.text);
  if (terms.length < 2) return found.map(toHit);
  const some = anyWordStatement(table, query, terms, Math.ceil(candidates / terms.length), topK - found.length);
  return [...found, ...(await executeBound<HitRow>(em, some.sql, some.params))].map(toHit);
}

/** The query's words as plainto_tsquery ANDs them (see termsOf). */
export const QUERY_WORDS_SQL = `select ${ALL_WORDS}::text as words`;

/**
 * The terms of QUERY_WORDS_SQL's answer: plainto_tsquery's ANDed operands (a word, or a hyphenated word whole
 * and in parts), each in tsquery syntax, the first MAX_TERMS distinct ones. Lexemes hold no spaces, so ' & '
 * only ever separates.
 */
export function termsOf(words: string): string[] {
  return [...new Set(words.split(' & ').filter((term) => term !== ''))].slice(0, MAX_TERMS);
}

async function queryTerms(em: SqlEntityManager, text: string): Promise<string[]> {
  const [row] = await executeBound<{ words: string }>(em, QUERY_WORDS_SQL, [text]);
  return termsOf(row.words);
}

/** $1 text, $2 a count of candidates, $3 limit, $4 minimum rank (or null), then `more`, then the filters. */
function bind(query: KeywordQuery, candidates: number, limit: number, more: readonly unknown[] = []): { filters: string; params: unknown[] } {
  const fixed = [query.text, candidates, limit, query.minScore ?? null, ...more];
  const filters = whereClause(query, fixed.length + 1);
  return { filters: filters.sql, params: [...fixed, ...filters.params] };
}

/**
 * Step 1. The LIMIT inside the subquery is the bound: the scan (through the GIN index, or a sequential scan
 * when nearly every chunk matches, which then stops early) hands over at most $2 rows, and only those are
 * ranked and sorted. Which $2 of many matches is up to the scan: the price of the bound.
 */
export function allWordsStatement(table: string, query: KeywordQuery, candidates: number): BoundStatement {
  const { filters, params } = bind(query, candidates, Math.trunc(query.topK));
  return {
    sql: `select ${HIT_COLUMNS}, ts_rank_cd(chunk_tsv, ${ALL_WORDS}) as score
            from (select ${HIT_COLUMNS}, chunk_tsv from ${table}
                   where chunk_tsv @@ ${ALL_WORDS} and ${filters}
                   limit $2) candidates
           where $4::float8 is null or ts_rank_cd(chunk_tsv, ${ALL_WORDS}) >= $4
           order by score desc, chunk_id
           limit $3`,
    params,
  };
}

/**
 * Step 2. Each term brings at most `share` ($2) candidates, so a rare term's few chunks are all among them
 * however common the other words are: one OR over all terms with a single LIMIT would fill up with the common
 * word's chunks first. One branch per term with the term bound as a constant, so the planner sees each
 * term's frequency: a common one is read by a sequential scan that stops after `share` rows, a rare one
 * through the GIN index (a GIN bitmap reads a term's whole posting list: 12 ms a common term at 100k chunks,
 * where the scan that stops early takes under 1 ms). Chunks holding every word were step 1's and are left
 * out, after the LIMITs so the bound holds.
 * ts_rank_cd counts every occurrence of any word and knows nothing of rarity, so a chunk repeating the common
 * word outranked the one chunk holding the rare code. The candidates are ordered first by the rarity of the
 * terms they hold: ln(1 + share / matches) per term, an IDF whose document count is capped at the share (a
 * common term's matches fill it), then by ts_rank_cd, the score returned.
 */
export function anyWordStatement(table: string, query: KeywordQuery, terms: readonly string[], share: number, limit: number): BoundStatement {
  const { filters, params } = bind(query, share, limit, terms);
  const branch = (_: string, i: number) =>
    `(select $${5 + i}::tsquery as term, ${HIT_COLUMNS}, chunk_tsv from ${table}
       where chunk_tsv @@ $${5 + i}::tsquery and ${filters} limit $2)`;
  return {
    sql: `with matched as materialized (
            ${terms.map(branch).join(' union all ')}
          ), rarity as materialized (
            select term, ln(1 + $2::float8 / count(*)) as weight from matched group by term
          )
          select ${HIT_COLUMNS}, ts_rank_cd(chunk_tsv, ${ANY_WORD}) as score,
                 (select sum(weight) from rarity where chunk_tsv @@ rarity.term) as specificity
            from (select distinct on (chunk_id) ${HIT_COLUMNS}, chunk_tsv from matched) candidates
           where not chunk_tsv @@ ${ALL_WORDS}
             and ($4::float8 is null or ts_rank_cd(chunk_tsv, ${ANY_WORD}) >= $4)
           order by specificity desc, score desc, chunk_id
           limit $3`,
    params,
  };
}
