import { Tiktoken } from 'js-tiktoken/lite';
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';

let encoder: Tiktoken | undefined;

/**
 * Tokens in `text` by OpenAI's cl100k_base encoding. Its ranks ship inside the js-tiktoken package, so this
 * works offline; loaded on first use (~1 MB) so services that never count tokens do not pay for it.
 * Other models tokenise differently: treat counts as a close estimate for them.
 */
export function countTokens(text: string): number {
  encoder ??= new Tiktoken(cl100kBase);
  return encoder.encode(text).length;
}
