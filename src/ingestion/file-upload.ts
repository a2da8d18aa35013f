import type { IncomingMultipartFile, MultipartOptions, UploadedMultipartFile } from '@nestjs/platform-fastify/multipart';
import { diskStorage } from '@nestjs/platform-fastify/multipart';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { detectFileKind, SUPPORTED_EXTENSIONS } from '../extraction/file-kind';

/** The form field that carries the document. */
export const FILE_FIELD = 'file';

/** An upload as stored by the disk storage engine: on disk at `path`, never buffered whole in memory. */
export type StoredUpload = UploadedMultipartFile & { path: string };

/**
 * Upload options: the file streams to a temporary file (deleted once its text is read), one file per
 * request, at most `maxBytes`. An unsupported type is refused from its name and declared type before a
 * byte of it is stored (415).
 */
export function fileUploadOptions(maxBytes: number): MultipartOptions {
  return {
    storage: diskStorage(),
    limits: { fileSize: maxBytes, files: 1, fields: 20 },
    fileFilter: (_request: unknown, file: IncomingMultipartFile, accept: (error: Error | null, accepted: boolean) => void) => {
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
