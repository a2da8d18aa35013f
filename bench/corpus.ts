/**
 * A deterministic, English-like corpus with topical structure: every document is drawn from one of a few
 * hundred topics, each with its own vocabulary, so nearest neighbours are meaningful for a lexical embedder
 * (on unstructured random text all neighbours are near-ties and recall means nothing).
 */

/** mulberry32: a small, fast, seedable PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMON = (
  'the of and to in is was for on that with as by at from this be are it an or which have has not were ' +
  'their been more one all would there when can also other its into only new some these time after most ' +
  'may two over such first used between where during each through many while about then them both under'
).split(' ');
const ONSETS = ['b', 'c', 'd', 'f', 'g', 'h', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w', 'br', 'ch', 'cl', 'gr', 'pl', 'st', 'tr', 'sh'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'io', 'ou'];
const CODAS = ['', '', 'n', 'r', 's', 't', 'l', 'nd', 'st', 'rk', 'ng'];

export interface CorpusOptions {
  seed: number;
  topics: number;
  /** Words per topic vocabulary. */
  topicWords?: number;
}

export class Corpus {
  private readonly random: () => number;
  private readonly vocabulary: string[];
  private readonly topicVocabulary: string[][];

  constructor(private readonly options: CorpusOptions) {
    this.random = prng(options.seed);
    const words = new Set<string>();
    while (words.size < 20_000) words.add(this.makeWord());
    this.vocabulary = [...words];
    const perTopic = options.topicWords ?? 60;
    this.topicVocabulary = Array.from({ length: options.topics }, () => Array.from({ length: perTopic }, () => this.pick(this.vocabulary)));
  }

  /** A document of about `chars` characters on topic `topic`. */
  document(topic: number, chars: number): string {
    const sentences: string[] = [];
    let length = 0;
    while (length < chars) {
      const sentence = this.sentence(topic, 8 + Math.floor(this.random() * 14));
      sentences.push(sentence);
      length += sentence.length + 1;
      if (this.random() < 0.12) {
        sentences.push('\n\n');
      }
    }
    return sentences.join(' ').replace(/ \n\n /g, '\n\n');
  }

  /** `count` documents, topics chosen at random. */
  documents(count: number, chars: number): { topic: number; text: string }[] {
    return Array.from({ length: count }, () => {
      const topic = Math.floor(this.random() * this.options.topics);
      return { topic, text: this.document(topic, chars) };
    });
  }

  /** A short query about `topic`. */
  query(topic: number): string {
    return Array.from({ length: 6 }, () => this.pick(this.topicVocabulary[topic])).join(' ');
  }

  randomTopic(): number {
    return Math.floor(this.random() * this.options.topics);
  }

  private sentence(topic: number, words: number): string {
    const out: string[] = [];
    for (let i = 0; i < words; i++) {
      const r = this.random();
      out.push(r < 0.4 ? this.pick(this.topicVocabulary[topic]) : r < 0.8 ? this.pick(COMMON) : this.pick(this.vocabulary));
    }
    const text = out.join(' ');
    return `${text[0].toUpperCase()}${text.slice(1)}.`;
  }

  private makeWord(): string {
    const syllables = 1 + Math.floor(this.random() * 3);
    let word = '';
    for (let i = 0; i < syllables; i++) word += this.pick(ONSETS) + this.pick(VOWELS) + this.pick(CODAS);
    return word;
  }

  private pick<T>(items: T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }
}
