/** Every ingestion belongs to one collection; this one when a request names none. */
export const DEFAULT_COLLECTION = 'default';
/** Letters, digits, `_`, `-` and `.`; starts with a letter or digit; at most 64 characters. */
export const COLLECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const COLLECTION_NAME_MESSAGE = 'collection must be 1-64 letters, digits, "_", "-" or ".", starting with a letter or digit';
