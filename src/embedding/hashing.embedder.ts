import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Embedder } from './embedder';

const WORD_WEIGHT = 1;
const BIGRAM_WEIGHT = 0.7;
const TRIGRAM_WEIGHT = 0.35;
const TOKEN = /[\p{L}\p{N}]+/gu;

/**
 * The built-in embedder: no model weights, no network, deterministic. Feature hashing ("the hashing trick")
 * of words, word bigrams and character trigrams into `dimension` buckets with a hashed sign, then
 * L2-normalised, so cosine similarity measures shared vocabulary and spelling. Lexical, not semantic:
 * "car" and "automobile" are unrelated to it; a real model is a provider away.
 */
@Injectable()
export class HashingEmbedder extends Embedder {
  readonly name = 'hashing';
  readonly dimension: number;

  constructor(config: AppConfig) {
    super();
    this.dimension = config.EMBEDDING_DIMENSION;
  }

  embed(texts: string[]): Promise<Float32Array[]> {
    return Promise.resolve(texts.map((text) => this.embedOne(text)));
  }

  embedOne(text: string): Float32Array {
    const vector = new Float32Array(this.dimension);
    let previousWord = 0;
    for (const match of text.toLowerCase().matchAll(TOKEN)) {
      const word = match[0];
      const wordHash = fnv1a(word);
      this.add(vector, wordHash, WORD_WEIGHT);
      if (previousWord !== 0) this.add(vector, mix(previousWord, wordHash), BIGRAM_WEIGHT);
      previousWord = wordHash;
      // Character trigrams of " word " let different forms of a word (ingest, ingested) share features.
      const length = word.length + 2;
      for (let i = 0; i + 3 <= length; i++) {
        const a = i === 0 ? 32 : word.charCodeAt(i - 1);
        const b = word.charCodeAt(i) || 32;
        const c = i + 1 < word.length ? word.charCodeAt(i + 1) : 32;
        this.add(vector, mix(0x9e3779b9, (a * 65599 + b) * 65599 + c), TRIGRAM_WEIGHT);
      }
    }
    let norm = 0;
    for (let i = 0; i < vector.length; i++) norm += vector[i] * vector[i];
    if (norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let i = 0; i < vector.length; i++) vector[i] *= scale;
    }
    return vector;
  }

  private add(vector: Float32Array, hash: number, weight: number): void {
    const bucket = (hash >>> 1) % this.dimension;
    vector[bucket] += hash & 1 ? weight : -weight;
  }
}

/** 32-bit FNV-1a over UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0 || 1;
}

/** Combines two 32-bit values into a well-spread 32-bit hash (murmur3's finaliser). */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ (b >>> 0), 0x85ebca6b) ^ b;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
