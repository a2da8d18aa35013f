import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { CollectionAccess } from '../auth/collection-access';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { createValidationPipe } from '../common/validation.pipe';
import { CONTENT_TYPES, detectFileKind, type FileKind } from '../extraction/file-kind';
import { isPlainText, TextExtractor } from '../extraction/text-extractor';
import type { NewIngestion, Submitted } from '../queue/submission.service';
import { DEFAULT_COLLECTION } from '../common/collection';
import type { IngestFileFieldsDto } from './dto/ingest-file-fields.dto';
import { IngestOptionsDto, IngestRequestDto } from './dto/ingest-request.dto';
import { FILE_FIELD, StoredUpload } from './file-upload';
import { IngestionService } from './ingestion.service';

/** Turns an uploaded file into an ingestion request: extract its text, describe the file, accept it. */
@Injectable()
export class FileIngestionService {
  /** The same pipe that validates `POST /v1/ingest`, so a file's text meets exactly the same rules. */
  private readonly validation = createValidationPipe();

  constructor(
    private readonly extractor: TextExtractor,
    private readonly ingestion: IngestionService,
  ) {}

  async ingest(
    file: StoredUpload | undefined,
    fields: IngestFileFieldsDto,
    access: CollectionAccess,
    submission: Pick<NewIngestion, 'idempotencyKey' | 'caller'> = {},
  ): Promise<Submitted> {
    if (!file) {
      throw new AppError(ErrorCode.ValidationFailed, 'Request body is invalid', [
        { field: FILE_FIELD, messages: [`a "${FILE_FIELD}" part holding the document is required (multipart/form-data)`] },
      ]);
    }
    try {
      access.assertCanUse(fields.collection ?? DEFAULT_COLLECTION);
      if (file.size === 0) throw new AppError(ErrorCode.EmptyFile, `The file "${file.originalname}" is empty`);
      // The storage engine's filter let only supported kinds through.
      const kind = detectFileKind(file.originalname, file.mimetype)!;
      const sha256 = await hashFile(file.path);
      const options = (pageStarts?: number[]) => ({
        source_metadata: {
          source: file.originalname,
          ...fields.source_metadata,
          file_name: file.originalname,
          content_type: CONTENT_TYPES[kind],
          size_bytes: file.size,
          sha256,
          ...(pageStarts ? { page_count: pageStarts.length } : {}),
        },
        chunking: chunkingOf(fields, kind),
        collection: fields.collection,
        document_id: fields.document_id,
      });
      if (isPlainText(kind)) {
        // The file's bytes are its text: checked, hashed and stored in parts, never held whole (a 50 MB text
        // would be several copies of 50 MB otherwise). The text meets extract()'s rules, the rest the DTO's.
        const text = await this.extractor.openText(file.path);
        const dto = (await this.validation.transform(options(), { type: 'body', metatype: IngestOptionsDto })) as IngestOptionsDto;
        return await this.ingestion.ingest({ ...dto, text }, submission);
      }
      const { text, pageStarts } = await this.extractor.extract(file.path, kind);
      const dto = (await this.validation.transform(
        { text, ...options(pageStarts) },
        { type: 'body', metatype: IngestRequestDto },
      )) as IngestRequestDto;
      return await this.ingestion.ingest(dto, { ...submission, pageStarts });
    } finally {
      await rm(file.path, { force: true });
    }
  }
}

/**
 * A file's chunking, unless the upload names a strategy: markdown for .md (sections, with heading paths),
 * recursive for the rest (paragraphs, then sentences: what extracted text and plain text are made of).
 */
function chunkingOf({ chunking_strategy, chunk_size, chunk_overlap }: IngestFileFieldsDto, kind: FileKind): IngestRequestDto['chunking'] {
  const strategy = chunking_strategy ?? (kind === 'markdown' ? 'markdown' : 'recursive');
  return Object.fromEntries(Object.entries({ strategy, chunk_size, chunk_overlap }).filter(([, value]) => value !== undefined));
}

/** SHA-256 of the stored file, read as a stream so a large file is never in memory for it. */
async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}
