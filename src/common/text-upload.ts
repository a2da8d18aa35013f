/**
 * A text too long to hold whole (an uploaded .txt or .md file), which can be read again in parts: as text (to
 * hash it) or as its UTF-8 bytes (to store it). TextExtractor.openText makes one; StatusService stores it.
 */
export interface TextUpload {
  /** Length of the text in UTF-16 code units, as `text.length` would be. */
  readonly length: number;
  /** The text in parts; a part never ends inside a character (nor between a surrogate pair's halves). */
  parts(): AsyncIterable<string>;
  /** The text's UTF-8 bytes in parts (without a byte order mark). */
  bytes(): AsyncIterable<Uint8Array>;
}
