import { createHash } from 'node:crypto';

/** SHA-256 of the value as canonical JSON (object keys sorted), so equal content hashes equally. */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/**
 * hashOf({ ...fields, text }) for a text given in parts (none splitting a surrogate pair), without joining
 * them: JSON escapes a string character by character, so the escaped parts make the escaped whole.
 */
export async function hashOfText(fields: Record<string, unknown>, parts: AsyncIterable<string>): Promise<string> {
  // NUL cannot occur in stored metadata, so the marker stands only for the text.
  const marker = '\u0000text\u0000';
  const [before, after, ...more] = canonicalJson({ ...fields, text: marker }).split(JSON.stringify(marker));
  if (after === undefined || more.length > 0) throw new Error('the text marker must occur exactly once');
  const hash = createHash('sha256').update(before).update('"');
  for await (const part of parts) hash.update(JSON.stringify(part).slice(1, -1));
  return hash.update('"').update(after).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
