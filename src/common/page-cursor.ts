import { registerDecorator, ValidationOptions } from 'class-validator';

/** A cursor is short: the sort key of one row. Anything longer was not made by this service. */
export const MAX_CURSOR_LENGTH = 200;

/** Reads a decoded cursor's values as one route's sort key; undefined when they are not one. */
export type CursorKeyParser<K> = (values: unknown[]) => K | undefined;

/**
 * An opaque page cursor: base64url of a JSON array holding the last row's sort key. Keyset pagination
 * resumes strictly after that key, so rows inserted meanwhile never shift a page (no duplicates, no gaps).
 */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The sort key in a cursor made by encodeCursor, or undefined for anything else (never throws). */
export function decodeCursor<K>(cursor: unknown, parse: CursorKeyParser<K>): K | undefined {
  if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const bytes = Buffer.from(cursor, 'base64url');
  // Node decodes base64url leniently (stray bits, bad lengths): only the canonical form of some bytes counts.
  if (bytes.toString('base64url') !== cursor) return undefined;
  try {
    const values: unknown = JSON.parse(bytes.toString('utf8'));
    return Array.isArray(values) ? parse(values) : undefined;
  } catch {
    return undefined;
  }
}

/** A `cursor` query parameter that decodes, with `parse`, to a sort key of the route (400 VALIDATION_FAILED otherwise). */
export function IsPageCursor<K>(parse: CursorKeyParser<K>, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPageCursor',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a next_cursor returned by this route, unchanged', ...options },
      validator: { validate: (value: unknown) => decodeCursor(value, parse) !== undefined },
    });
}
