import { Injectable, Logger } from '@nestjs/common';
import { AppError, ErrorCode, FieldError } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { Embedder, EmbedderError } from '../embedding/embedder';
import { DEFAULT_COLLECTION } from '../common/collection';
import { JobQueue } from '../queue/job-queue';
import { SearchFilters, SearchHit, VectorStore } from '../vector-store/vector-store';
import type { SearchMode, SearchRequestDto } from './dto/search-request.dto';

const DEFAULT_TOP_K = 10;
/** Reciprocal rank fusion's k: 60, as in Cormack et al. (2009); it damps the weight of the very first ranks. */
const RRF_K = 60;
/** Candidates each retriever contributes to a hybrid fusion: enough for a term ranked low by one to surface. */
const hybridCandidates = (topK: number) => Math.min(200, Math.max(50, topK * 4));

/** Without min_score a vector search drops chunks at cosine similarity 0 or below: orthogonal means unrelated. */
const MIN_RELATED_SCORE = 1e-6;

export type Retriever = 'vector' | 'keyword';

/** A search result: the chunk, its score in the request's mode, and which retrievers found it with what score. */
export interface RankedHit {
  hit: SearchHit;
  score: number;
  retrievers: Retriever[];
  scores: Partial<Record<Retriever, number>>;
}

@Injectable()
export class SearchService {
  private readonly logger = new Logger(SearchService.name);

  constructor(
    private readonly embedder: Embedder,
    private readonly vectors: VectorStore,
    private readonly config: AppConfig,
    private readonly queue: JobQueue,
  ) {}

  /** The search, and when it found nothing, why that may be (so an empty answer is not a riddle). */
  async search(dto: SearchRequestDto): Promise<{ mode: SearchMode; results: RankedHit[]; hint?: string }> {
    const found = await this.rank(dto);
    return found.results.length > 0 ? found : { ...found, hint: await this.emptyResultHint(dto.collection ?? DEFAULT_COLLECTION) };
  }

  private async emptyResultHint(collection: string): Promise<string> {
    const unfinished = await this.queue.countUnfinished(collection);
    if (unfinished > 0)
      return `${unfinished} ingestion(s) of collection "${collection}" are not completed yet; their chunks are searchable once they are`;
    if (!(await this.vectors.hasChunks(collection)))
      return `Collection "${collection}" holds no chunks (search another collection with "collection")`;
    return `No chunk of collection "${collection}" matched the query and filters`;
  }

  private async rank(dto: SearchRequestDto): Promise<{ mode: SearchMode; results: RankedHit[] }> {
    const mode = dto.mode ?? 'vector';
    this.validate(dto, mode);
    const topK = dto.top_k ?? DEFAULT_TOP_K;
    const filters: SearchFilters = {
      collection: dto.collection ?? DEFAULT_COLLECTION,
      ingestionIds: [...(dto.ingestion_id ? [dto.ingestion_id] : []), ...(dto.ingestion_ids ?? [])],
      metadata: dto.metadata,
      createdAfter: dto.created_after ? new Date(dto.created_after) : undefined,
      createdBefore: dto.created_before ? new Date(dto.created_before) : undefined,
    };
    switch (mode) {
      case 'vector':
        return { mode, results: (await this.vectorHits(dto, filters, topK)).map((hit) => only('vector', hit)) };
      case 'keyword': {
        const hits = await this.vectors.searchKeyword({ ...filters, text: dto.query!, topK, minScore: dto.min_score });
        return { mode, results: hits.map((hit) => only('keyword', hit)) };
      }
      case 'hybrid': {
        const candidates = hybridCandidates(topK);
        const [byVector, byKeyword] = await Promise.all([
          this.vectorHits(dto, filters, candidates),
          this.vectors.searchKeyword({ ...filters, text: dto.query!, topK: candidates }),
        ]);
        return { mode, results: fuse({ vector: byVector, keyword: byKeyword }).slice(0, topK) };
      }
    }
  }

  private async vectorHits(dto: SearchRequestDto, filters: SearchFilters, topK: number): Promise<SearchHit[]> {
    const vector = dto.vector ? Float32Array.from(dto.vector) : await this.embedQuery(dto.query!);
    return this.vectors.search({ ...filters, vector, topK, minScore: dto.min_score ?? MIN_RELATED_SCORE, efSearch: dto.ef_search });
  }

  /**
   * A search waits for the provider at most EMBEDDING_TIMEOUT_MS in all (attempts and backoff together), then
   * answers 503: a client should not wait for the retries that suit background ingestion. The provider's
   * own message (it names internal addresses) is logged, not returned.
   */
  private async embedQuery(query: string): Promise<Float32Array> {
    try {
      return (await this.embedder.embed([query], AbortSignal.timeout(this.config.EMBEDDING_TIMEOUT_MS)))[0];
    } catch (error) {
      if (!(error instanceof EmbedderError)) throw error;
      this.logger.warn(`Query embedding failed: ${error.message}`);
      throw new AppError(
        ErrorCode.EmbedderUnavailable,
        `The embedding provider did not embed the query within EMBEDDING_TIMEOUT_MS (${this.config.EMBEDDING_TIMEOUT_MS} ms)`,
      );
    }
  }

  /** The rules that span fields, reported like the DTO's own: VALIDATION_FAILED naming the fields. */
  private validate(dto: SearchRequestDto, mode: SearchMode): void {
    const problems: FieldError[] = [];
    // @IsOptional lets null through as "absent": treat it so here too.
    if ((dto.query == null) === (dto.vector == null)) {
      problems.push({ field: 'query', messages: ['give exactly one of query and vector'] });
    }
    if (mode !== 'vector' && dto.query == null) {
      problems.push({ field: 'mode', messages: [`${mode} mode needs query text (a raw vector works in vector mode only)`] });
    }
    if (dto.vector && dto.vector.length !== this.embedder.dimension) {
      problems.push({
        field: 'vector',
        messages: [`vector must have ${this.embedder.dimension} numbers (EMBEDDING_DIMENSION), not ${dto.vector.length}`],
      });
    } else if (dto.vector && Float32Array.from(dto.vector).every((x) => x === 0)) {
      // Cosine similarity with a zero vector is undefined (pgvector answers NaN), so it can rank nothing.
      problems.push({ field: 'vector', messages: ['vector must not be all zeros (as float32): cosine similarity with it is undefined'] });
    }
    if (problems.length > 0) throw new AppError(ErrorCode.ValidationFailed, 'Request body is invalid', problems);
  }
}

function only(retriever: Retriever, hit: SearchHit): RankedHit {
  return { hit, score: hit.score, retrievers: [retriever], scores: { [retriever]: hit.score } };
}

/**
 * Reciprocal rank fusion: each chunk scores the sum of 1 / (RRF_K + rank) over the retrievers that found it.
 * Ranks, not raw scores, are fused, so cosine similarities and text-search ranks need no common scale.
 */
export function fuse(rankings: Record<Retriever, SearchHit[]>): RankedHit[] {
  const fused = new Map<string, RankedHit>();
  for (const retriever of ['vector', 'keyword'] as const) {
    rankings[retriever].forEach((hit, rank) => {
      const entry = fused.get(hit.chunkId) ?? { hit, score: 0, retrievers: [], scores: {} };
      entry.score += 1 / (RRF_K + rank + 1);
      entry.retrievers.push(retriever);
      entry.scores[retriever] = hit.score;
      fused.set(hit.chunkId, entry);
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score || a.hit.chunkId.localeCompare(b.hit.chunkId));
}
