import type { IncomingMultipartFile, MultipartOptions, UploadedMultipartFile } from '@nestjs/platform-fastify/multipart';
import { diskStorage } from '@nestjs/platform-fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { accessOf } from '../auth/collection-access';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { detectFileKind, SUPPORTED_EXTENSIONS } from '../extraction/file-kind';

/** The form field that carries the document. */
export const FILE_FIELD = 'file';

/** An upload as stored by the disk storage engine: on disk at `path`, never buffered whole in memory. */
export type StoredUpload = UploadedMultipartFile & { path: string };

/**
 * Upload options: the file streams to a temporary file (deleted once its text is read), one file per
 * request, at most `maxBytes`. Refused before a byte of the file is stored: a `collection` field sent before
 * the file that the caller may not use (403; one sent after it is checked once the file is stored), and an
 * unsupported type, from its name and declared type (415).
 */
export function fileUploadOptions(maxBytes: number): MultipartOptions {
  return {
    storage: diskStorage(),
    limits: { fileSize: maxBytes, files: 1, fields: 20 },
    fileFilter: (request: FastifyRequest, file: IncomingMultipartFile, accept: (error: Error | null, accepted: boolean) => void) => {
      // The parser fills the body with the fields that came before the file.
      const { collection } = (request.body ?? {}) as { collection?: unknown };
      const refusal = typeof collection === 'string' ? accessOf(request).refusal(collection) : undefined;
      if (refusal) return accept(refusal, false);
      if (detectFileKind(file.originalname, file.mimetype)) return accept(null, true);
      accept(
        new AppError(
          ErrorCode.UnsupportedMediaType,
          `Unsupported file type: "${file.originalname.slice(0, 200)}" (${file.mimetype}). Supported: ${SUPPORTED_EXTENSIONS.join(', ')}`,
        ),
        false,
      );
    },
  };
}
