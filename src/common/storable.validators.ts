import { registerDecorator, ValidationOptions } from 'class-validator';

/** A NUL character or a UTF-16 surrogate without its pair: PostgreSQL cannot store either in text or jsonb. */
// eslint-disable-next-line no-control-regex -- NUL is what PostgreSQL cannot store
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/** A string PostgreSQL can store as it is: no NUL character, no unpaired surrogate. */
export function IsStorableText(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isStorableText',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property must not contain NUL characters or unpaired surrogates`, ...options },
      validator: { validate: (value: unknown) => typeof value !== 'string' || isStorableText(value) },
    });
}

/** The largest finite float32: pgvector stores `vector` elements as float4, so a larger number would arrive as null. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** Every element a finite number a float32 can hold (pgvector's `vector` element type). */
export function IsFloat32Array(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isFloat32Array',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property elements must be finite numbers within ±${FLOAT32_MAX} (float32)`, ...options },
      validator: {
        validate: (value: unknown) =>
          !Array.isArray(value) || value.every((x) => typeof x === 'number' && Number.isFinite(x) && Math.abs(x) <= FLOAT32_MAX),
      },
    });
}

export interface JsonLimits {
  /** Size of the value serialised as JSON, in UTF-8 bytes. */
  maxBytes: number;
  /** Nesting depth: `{}` is 1, `{"a": {}}` is 2. */
  maxDepth: number;
}

/** Why a JSON value breaks the limits (or cannot be stored), or undefined when it is fine. */
export function jsonLimitViolation(value: unknown, limits: JsonLimits): string | undefined {
  const unstorable = (v: unknown): boolean =>
    typeof v === 'string'
      ? !isStorableText(v)
      : v !== null && typeof v === 'object' && Object.entries(v).some(([k, x]) => !isStorableText(k) || unstorable(x));
  // Depth first: serialising (below) recurses, so a hostile depth must be refused before.
  if (deeperThan(value, limits.maxDepth)) return `must be nested at most ${limits.maxDepth} levels deep`;
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
  if (bytes > limits.maxBytes) return `must be at most ${limits.maxBytes} bytes as JSON (got ${bytes})`;
  // Only reached for a small, shallow value: this recursion is bounded by maxDepth.
  if (unstorable(value)) return 'must not contain NUL characters or unpaired surrogates in keys or strings';
  return undefined;
}

/** Whether `value` nests deeper than `maxDepth`; iterative, so a hostile depth cannot overflow the stack. */
export function deeperThan(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [v, depth] = entry;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > maxDepth) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** A JSON value within size and depth limits, made of strings PostgreSQL's jsonb accepts. */
export function IsBoundedJson(limits: JsonLimits, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isBoundedJson',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: (args) => `${args.property} ${jsonLimitViolation(args.value, limits) ?? 'is invalid'}`,
        ...options,
      },
      validator: { validate: (value: unknown) => value === undefined || value === null || jsonLimitViolation(value, limits) === undefined },
    });
}

/**
 * ISO 8601 as ECMAScript's Date reads it by the standard: YYYY-MM-DD, optionally THH:mm[:ss[.fraction]] and Z
 * or ±HH:mm (without an offset, a time is the server's local time and a date alone midnight UTC).
 */
const READABLE_INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;
/** The instants PostgreSQL's timestamptz takes in the form toISOString writes: years 0001 to 9999 (no year 0). */
const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * Whether Date reads the string as the instant the client wrote, within what PostgreSQL stores. IsISO8601 alone
 * admits forms Date misreads or cannot read (week dates `2026-W01`, ordinal dates `2026-123`, basic format
 * `20261101`, `-0001-01-01`, which V8 takes for 2001) and year 0, which PostgreSQL refuses: each would have
 * become a wrong filter or a 500.
 */
export function isReadableInstant(value: string): boolean {
  const instant = Date.parse(value);
  return READABLE_INSTANT.test(value) && instant >= FIRST_INSTANT && instant <= LAST_INSTANT;
}

/** A date-time string that isReadableInstant accepts. */
export function IsReadableInstant(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isReadableInstant',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a date-time from year 0001 to 9999 such as 2026-11-01T00:00:00Z', ...options },
      validator: { validate: (value: unknown) => typeof value !== 'string' || isReadableInstant(value) },
    });
}
