/** One line of the bench's table: a measured figure, the target it is held to (if any) and whether it holds. */
interface Row {
  figure: string;
  value: string;
  target: string;
  holds: string;
}

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** Builds the table from the figures run.ts collected (the same object that goes to bench/results/*.json). */
export function tableOf(f: any): Row[] {
  const rows: Row[] = [];
  const add = (figure: string, value: string, target = '', holds?: boolean) =>
    rows.push({ figure, value, target, holds: holds === undefined ? '' : holds ? 'yes' : 'NO' });
  add('embedder alone, one core (chunks/s)', fixed(f.embedder.chunksPerSecond, 0), '>= 20000', f.embedder.chunksPerSecond >= 20_000);
  add('corpus chunking / embedding, in-process (s)', `${fixed(f.stages.chunkSeconds, 2)} / ${fixed(f.stages.embedSeconds, 2)}`);
  if (f.ingest) ingestRows(f.ingest, add);
  for (const s of f.search?.scales ?? []) searchRows(s, add);
  largeRows(f.search?.scales ?? [], add);
  if (f.memory) add('peak RSS ingesting one 50 MB text (MB)', fixed(f.memory.peakRssMb, 0), '<= 300', f.memory.peakRssMb <= 300);
  if (f.keyword) keywordRows(f.keyword, add);
  if (f.organic) organicRows(f.organic, add);
  if (f.tenant) tenantRows(f.tenant, add);
  if (f.provider) providerRows(f.provider, add);
  if (f.embedded) embeddedRows(f.embedded, add);
  if (f.sustained) sustainedRows(f.sustained, f.ingest?.rawCopy?.indexedChunksPerSecond, add);
  return rows;
}

type Add = (figure: string, value: string, target?: string, holds?: boolean) => void;

function ingestRows({ service, serviceSingle, rawCopy, langchain }: any, add: Add): void {
  add('ingest via API (batches of 50) until completed, searchable (chunks/s)', fixed(service.chunksPerSecond, 0));
  add('raw COPY into the identical indexed table (chunks/s)', fixed(rawCopy.indexedChunksPerSecond, 0));
  add('LangChain.js into its indexed table (chunks/s)', fixed(langchain.indexedChunksPerSecond, 0));
  const vsRaw = service.chunksPerSecond / rawCopy.indexedChunksPerSecond;
  const vsPeer = service.chunksPerSecond / langchain.indexedChunksPerSecond;
  add('  steady state: service / raw COPY', `${fixed(vsRaw, 2)}x`, '>= 2x', vsRaw >= 2);
  add('  steady state: service / LangChain', `${fixed(vsPeer, 2)}x`, '>= 2x', vsPeer >= 2);
  const rawBulk = rawCopy.bulkLoadSeconds + rawCopy.bulkIndexSeconds;
  const peerBulk = langchain.bulkLoadSeconds + langchain.bulkIndexSeconds;
  add('bulk load, new table, until searchable through an index (s): service', fixed(service.indexedSeconds, 2));
  add('  LangChain load + CREATE INDEX (s)', `${fixed(langchain.bulkLoadSeconds, 2)} + ${fixed(langchain.bulkIndexSeconds, 2)}`);
  add('  raw COPY + CREATE INDEX (s)', `${fixed(rawCopy.bulkLoadSeconds, 2)} + ${fixed(rawCopy.bulkIndexSeconds, 2)}`);
  add('  bulk: service / LangChain', `${fixed(service.indexedSeconds / peerBulk, 2)}x`, '<= 1x', service.indexedSeconds <= peerBulk);
  add('  bulk: service / raw', `${fixed(service.indexedSeconds / rawBulk, 2)}x`, '<= 1.5x', service.indexedSeconds <= 1.5 * rawBulk);
  add('GET /v1/status p99 during the ingest (ms)', fixed(service.statusLatencyMs.p99, 1), '<= 50', service.statusLatencyMs.p99 <= 50);
  if (!serviceSingle) return;
  add(
    'one document a request (POST /v1/ingest): chunks/s; indexed after (s)',
    `${fixed(serviceSingle.chunksPerSecond, 0)}; ${fixed(serviceSingle.indexedSeconds, 2)}`,
  );
  const singleVsRaw = serviceSingle.chunksPerSecond / rawCopy.indexedChunksPerSecond;
  const singleVsPeer = serviceSingle.chunksPerSecond / langchain.indexedChunksPerSecond;
  add(
    '  steady state: service / raw COPY; / LangChain',
    `${fixed(singleVsRaw, 2)}x; ${fixed(singleVsPeer, 2)}x`,
    '>= 2x',
    singleVsRaw >= 2 && singleVsPeer >= 2,
  );
  add('  bulk: service / LangChain', `${fixed(serviceSingle.indexedSeconds / peerBulk, 2)}x`, '<= 1x', serviceSingle.indexedSeconds <= peerBulk);
  const singleP99 = serviceSingle.statusLatencyMs.p99;
  add('  GET /v1/status p99 during the ingest (ms)', fixed(singleP99, 1), '<= 50', singleP99 <= 50);
}

function organicRows(o: any, add: Add): void {
  add(
    `organic: ${o.chunks} chunks ingested via API, searched as left; raw SQL on one fresh index p50 (ms), recall@10`,
    `${fixed(o.raw.rawSqlMs.p50, 2)}, ${fixed(o.raw.recallAt10, 3)}`,
  );
  for (const [when, s] of [
    ['at the last completion', o.atCompletion],
    ['after the indexer took the tail', o.afterIndexer],
  ]) {
    const ratio = s.httpMs.p50 / o.raw.rawSqlMs.p50;
    add(
      `  ${when} (${s.segments} segments, tail ${s.tail}): HTTP p50 (ms), / raw; recall@10`,
      `${fixed(s.httpMs.p50, 2)}, ${fixed(ratio, 2)}x; ${fixed(s.recallAt10, 3)}`,
      '<= 1.5x; >= 0.95',
      ratio <= 1.5 && s.recallAt10 >= 0.95,
    );
  }
}

function tenantRows({ shared, alone }: any, add: Add): void {
  add(
    `tenant: ${shared.tenantChunks} chunks among ${shared.storeChunks}: HTTP p50 (ms), alone p50, ratio`,
    `${fixed(shared.httpMs.p50, 2)}, ${fixed(alone.httpMs.p50, 2)}, ${fixed(shared.httpMs.p50 / alone.httpMs.p50, 2)}x`,
    '<= 1.5x',
    shared.httpMs.p50 <= 1.5 * alone.httpMs.p50,
  );
  add(
    '  top_k filled; recall@10 (alone: recall@10)',
    `${fixed(shared.filled * 100, 0)}%; ${fixed(shared.recallAt10, 3)} (${fixed(alone.recallAt10, 3)})`,
    '100%; >= 0.95',
    shared.filled === 1 && shared.recallAt10 >= 0.95,
  );
}

function providerRows(p: any, add: Add): void {
  add(
    `rate-limited provider (${p.providerConcurrency} at once, ${p.latencyMs} ms, batches of ${p.batchSize}): capacity (chunks/s)`,
    fixed(p.capacityChunksPerSecond, 0),
  );
  for (const r of p.runs) {
    const target = r.workers === 1 ? 0.9 : 0.85;
    add(
      `  ${r.workers} worker(s), EMBEDDING_CONCURRENCY ${r.embeddingConcurrency}: chunks/s, of capacity end to end; while the provider was in use`,
      `${fixed(r.chunksPerSecond, 0)}, ${fixed(r.ofCapacity * 100, 0)}%; ${fixed(r.ofCapacityWhileInUse * 100, 0)}%`,
      `>= ${target * 100}%`,
      r.ofCapacityWhileInUse >= target,
    );
    add(
      '    requests answered 429; failed ingestions',
      `${fixed(r.throttledShare * 100, 1)}%; ${r.failed}`,
      '<= 5%; 0',
      r.throttledShare <= 0.05 && r.failed === 0,
    );
  }
}

function searchRows(s: any, add: Add): void {
  add(`search at ${s.chunks} chunks, HTTP p50/p95/p99 (ms)`, `${fixed(s.httpMs.p50, 2)} / ${fixed(s.httpMs.p95, 2)} / ${fixed(s.httpMs.p99, 2)}`);
  add('  raw SQL p50/p95/p99 (ms)', `${fixed(s.rawSqlMs.p50, 2)} / ${fixed(s.rawSqlMs.p95, 2)} / ${fixed(s.rawSqlMs.p99, 2)}`);
  if (s.langchainMs) {
    add(
      '  LangChain similaritySearch p50/p95/p99 (ms)',
      `${fixed(s.langchainMs.p50, 2)} / ${fixed(s.langchainMs.p95, 2)} / ${fixed(s.langchainMs.p99, 2)}`,
    );
  }
  add('  HTTP p50 / raw SQL p50', `${fixed(s.httpMs.p50 / s.rawSqlMs.p50, 2)}x`, '<= 1.5x', s.httpMs.p50 <= 1.5 * s.rawSqlMs.p50);
  if (s.langchainMs) {
    add('  HTTP p50 below LangChain p50', `${fixed(s.httpMs.p50, 2)} vs ${fixed(s.langchainMs.p50, 2)}`, 'below', s.httpMs.p50 < s.langchainMs.p50);
  }
  add('  recall@10, HNSW vs exact scan', fixed(s.recallAt10, 3), '>= 0.95', s.recallAt10 >= 0.95);
  add('  ingest via API at this size (chunks/s)', fixed(s.ingestChunksPerSecond, 0));
  if (s.loadAndIndexSeconds !== undefined)
    add('  COPY in + indexed by the service (s); HNSW indexes (MB)', `${fixed(s.loadAndIndexSeconds)}; ${fixed(s.hnswIndexMb)}`);
}

/** `large` (BENCH_LARGE=1): the ingest rate into a store of 1M chunks against the smallest scale's. */
function largeRows(scales: any[], add: Add): void {
  const [smallest, largest] = [scales[0], scales.at(-1)];
  if (!smallest || !largest || largest.chunks < 1_000_000) return;
  const ratio = largest.ingestChunksPerSecond / smallest.ingestChunksPerSecond;
  add(`large: ingest via API at ${largest.chunks} chunks / at ${smallest.chunks}`, `${fixed(ratio, 2)}x`, '>= 0.8x', ratio >= 0.8);
}

function keywordRows(k: any, add: Add): void {
  const pair = (c: any, key: string) => `${fixed(c.keywordMs[key], 2)} / ${fixed(c.hybridMs[key], 2)}`;
  const target = `<= ${k.target.p99Ms}`;
  const shares = Object.values(k.termShares as Record<string, number>);
  add(
    `keyword search at ${k.chunks} chunks, common words (in ${fixed(100 * Math.min(...shares), 0)}-${fixed(100 * Math.max(...shares), 0)}% of chunks): keyword / hybrid p99 (ms)`,
    pair(k.common, 'p99'),
    target,
    k.target.commonHolds,
  );
  add('  a rare code among common words: keyword / hybrid p99 (ms)', pair(k.rare, 'p99'), target, k.target.rareHolds);
  add('  topic words and a common one: keyword / hybrid p99 (ms)', pair(k.mixed, 'p99'));
  add('  20 in flight, all of them: keyword / hybrid p50 / p99 (ms)', `${pair(k.inFlight20, 'p50')}; ${pair(k.inFlight20, 'p99')}`);
  const sql = (c: any) => `${fixed(c.oldSqlMs.p50, 1)} / ${fixed(c.oldSqlMs.p99, 1)}`;
  add('  old unbounded SQL p50 / p99 (ms): common; rare; topic', `${sql(k.common)}; ${sql(k.rare)}; ${sql(k.mixed)}`);
  add('  · old SQL, 20 in flight, p50 / p99 (ms)', `${fixed(k.inFlight20.oldSqlMs.p50, 1)} / ${fixed(k.inFlight20.oldSqlMs.p99, 1)}`);
  add('  rare code ranked first (keyword)', fixed(k.rareFoundFirst, 3), '1', k.rareFoundFirst === 1);
}

function embeddedRows(e: any, add: Add): void {
  const side = (s: any, seconds: number) => `${fixed(seconds, 2)} s, ${fixed(s.chunksPerSecond, 0)} chunks/s; p50 ${fixed(s.searchMs.p50, 1)} ms`;
  add('embedded: the corpus until searchable (indexed); search p50 — native PostgreSQL', side(e.native, e.native.secondsUntilIndexed));
  add('  PGlite (the embedded default)', side(e.embedded, e.embedded.secondsUntilIndexed));
  add('  LanceDB 0.31 in-process (chunk + embed + load, exact scan; search without HTTP)', side(e.lancedb, e.lancedb.secondsUntilSearchable));
  add('  PGlite / native: ingest chunks/s', `${fixed(e.embeddedVsNative.ingest, 2)}x`, '>= 0.5x', e.embeddedVsNative.ingest >= 0.5);
  add('  PGlite / native: search p50', `${fixed(e.embeddedVsNative.searchP50, 2)}x`, '<= 2x', e.embeddedVsNative.searchP50 <= 2);
}

function sustainedRows(s: any, rawIndexedChunksPerSecond: number | undefined, add: Add): void {
  add(
    `sustained: ${s.seconds} s of batch ingest at the service's pace + 1 search client: chunks/s stored; 503s`,
    `${fixed(s.chunksPerSecond, 0)}; ${s.requestsRefused503}`,
  );
  add('  unindexed tail, largest (chunks)', String(s.maxTail), `<= ${s.tailBound}`, s.maxTail <= s.tailBound);
  add(
    '  search p99, worst 10 s window; whole run p50 / p99 (ms)',
    `${fixed(s.maxWindowP99)}; ${fixed(s.searchMs.p50)} / ${fixed(s.searchMs.p99)}`,
    '<= 100',
    s.maxWindowP99 <= 100,
  );
  if (rawIndexedChunksPerSecond === undefined) return;
  const ratio = s.chunksPerSecond / rawIndexedChunksPerSecond;
  add('  sustained / raw COPY into an indexed table', `${fixed(ratio, 2)}x`, '>= 2x', ratio >= 2);
}

export function formatTable(rows: Row[]): string {
  const header: Row = { figure: 'figure', value: 'measured', target: 'target', holds: 'holds' };
  const all = [header, ...rows];
  const width = (key: keyof Row) => Math.max(...all.map((r) => r[key].length));
  const widths = { figure: width('figure'), value: width('value'), target: width('target'), holds: width('holds') };
  const line = (r: Row) =>
    `| ${r.figure.padEnd(widths.figure)} | ${r.value.padEnd(widths.value)} | ${r.target.padEnd(widths.target)} | ${r.holds.padEnd(widths.holds)} |`;
  const rule = `|${'-'.repeat(widths.figure + 2)}|${'-'.repeat(widths.value + 2)}|${'-'.repeat(widths.target + 2)}|${'-'.repeat(widths.holds + 2)}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}
