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
  const some = anyWordStatement(table, query, candidates, topK - found.length);
  return [...found, ...(await executeBound<HitRow>(em, some.sql, some.params))].map(toHit);
}

/** The parameters both steps bind: $1 text, $2 candidates, $3 limit, $4 minimum rank (or null), then the filters. */
function bind(query: KeywordQuery, candidates: number, limit: number): { filters: string; params: unknown[] } {
  const filters = whereClause(query, 5);
  return { filters: filters.sql, params: [query.text, candidates, limit, query.minScore ?? null, ...filters.params] };
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
 * Step 2. Each term (plainto_tsquery's ANDed operands: a word, or a hyphenated word whole and in parts)
 * brings at most its share of the $2 candidates, so a rare term's few chunks are all among them however
 * common the other words are: one OR over all terms with a single LIMIT would fill up with the common
 * word's chunks first. A single term has nothing to add to step 1 (share 0). Chunks holding every word were
 * step 1's and are left out, after the LIMIT so the bound holds.
 * ts_rank_cd counts every occurrence of any word and knows nothing of rarity, so a chunk repeating the common
 * word outranked the one chunk holding the rare code. The candidates are ordered first by the rarity of the
 * terms they hold: ln(1 + share / matches) per term, an IDF whose document count is capped at the share (a
 * common term's matches fill it), then by ts_rank_cd, the score returned.
 */
export function anyWordStatement(table: string, query: KeywordQuery, candidates: number, limit: number): BoundStatement {
  const { filters, params } = bind(query, candidates, limit);
  return {
    sql: `with terms as materialized (
            select distinct unnest(string_to_array(${ALL_WORDS}::text, ' & '))::tsquery as term
          ), share as materialized (
            select case when count(*) > 1 then ceil($2::float8 / count(*))::int else 0 end as per_term from terms
          ), matched as materialized (
            select terms.term, m.* from terms cross join lateral (
              select ${HIT_COLUMNS}, chunk_tsv from ${table}
               where chunk_tsv @@ terms.term and ${filters}
               limit (select per_term from share)) m
          ), rarity as materialized (
            select term, ln(1 + (select per_term from share)::float8 / count(*)) as weight from matched group by term
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
