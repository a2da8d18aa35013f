import { Injectable } from '@nestjs/common';
import { Embedder } from '../embedding/embedder';
import { SearchHit, VectorStore } from '../vector-store/vector-store';
import type { SearchRequestDto } from './dto/search-request.dto';

const DEFAULT_TOP_K = 10;

@Injectable()
export class SearchService {
  constructor(
    private readonly embedder: Embedder,
    private readonly vectors: VectorStore,
  ) {}

  async search(dto: SearchRequestDto): Promise<SearchHit[]> {
    const [vector] = await this.embedder.embed([dto.query]);
    return this.vectors.search({ vector, topK: dto.top_k ?? DEFAULT_TOP_K, ingestionId: dto.ingestion_id });
  }
}
