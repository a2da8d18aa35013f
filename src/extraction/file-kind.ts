import { extname } from 'node:path';

/** The kinds of file the service can turn into text. */
export type FileKind = 'text' | 'markdown' | 'html' | 'pdf';

/** The media type each kind is recorded under in source_metadata, whatever the client declared. */
export const CONTENT_TYPES: Record<FileKind, string> = {
  text: 'text/plain',
  markdown: 'text/markdown',
  html: 'text/html',
  pdf: 'application/pdf',
};

const BY_EXTENSION: Record<string, FileKind> = {
  '.txt': 'text',
  '.text': 'text',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.pdf': 'pdf',
};

const BY_MEDIA_TYPE: Record<string, FileKind> = {
  'text/plain': 'text',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/pdf': 'pdf',
};

export const SUPPORTED_EXTENSIONS = Object.keys(BY_EXTENSION);

/**
 * The kind of an uploaded file, from its name's extension or, when the name has no known extension, from
 * the media type the client declared (browsers send `application/octet-stream` for names they do not know,
 * so the extension is the more reliable of the two). `undefined` when it is not a supported kind.
 */
export function detectFileKind(fileName: string, mediaType = ''): FileKind | undefined {
  const byExtension = BY_EXTENSION[extname(fileName).toLowerCase()];
  if (byExtension) return byExtension;
  if (extname(fileName) !== '') return undefined;
  return BY_MEDIA_TYPE[mediaType.split(';')[0].trim().toLowerCase()];
}
