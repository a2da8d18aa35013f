import { countTokens as countCl100kTokens } from 'gpt-tokenizer/encoding/cl100k_base';

/**
 * Tokens in `text` by OpenAI's cl100k_base encoding. Its ranks ship inside the gpt-tokenizer package, so this
 * works offline. Every chunk gets a count, so speed matters: gpt-tokenizer counted a 900-character chunk in
 * 0.04 ms here, js-tiktoken (the first choice, same counts) in 1.3 ms, which made token counting the largest
 * CPU cost of ingestion. Other models tokenise differently: treat counts as a close estimate for them.
 */
export function countTokens(text: string): number {
  return countCl100kTokens(text);
}
