/**
 * A deterministic English-like text of about `chars` characters: sentences of common words, paragraphs and,
 * with `headings`, markdown sections now and then; with `unicode`, words beyond ASCII. Long enough to be
 * processed window by window.
 */
export function longText(chars: number, { seed = 1, headings = false, unicode = false } = {}): string {
  const words = ['the', 'ledger', 'of', 'harbour', 'ships', 'and', 'a', 'quiet', 'morning', 'walrus', 'revenue', 'report', 'north', 'ridge'];
  // Characters of two, three and four UTF-8 bytes (the last a surrogate pair in JavaScript), everywhere.
  if (unicode) words.push('café', 'naïve', '港口', '账本', '🚢', '🐋');
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const parts: string[] = [];
  let length = 0;
  while (length < chars) {
    const sentence = Array.from({ length: 6 + Math.floor(next() * 14) }, () => words[Math.floor(next() * words.length)]).join(' ');
    let part = `${sentence[0].toUpperCase()}${sentence.slice(1)}. `;
    if (next() < 0.12) part += headings && next() < 0.3 ? `\n\n## Part ${Math.floor(next() * 1000)}\n\n` : '\n\n';
    parts.push(part);
    length += part.length;
  }
  return parts.join('');
}
