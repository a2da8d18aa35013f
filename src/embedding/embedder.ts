/** Turns texts into vectors of `dimension` floats. A provider (Ollama, an OpenAI-compatible server) is another implementation. */
export abstract class Embedder {
  abstract readonly name: string;
  abstract readonly dimension: number;
  /** One vector per text, in order. */
  abstract embed(texts: string[]): Promise<Float32Array[]>;
}
