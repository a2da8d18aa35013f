/**
 * A document's text read in consecutive parts, so that a long one is never held whole: the database reads
 * part `index` through a cursor over the text's UTF-8 bytes (openTextParts in src/queue/long-text.ts), tests
 * slice a string.
 */
export class TextSource {
  /** Where each part read so far starts (and where the next one will): parts vary in UTF-16 length. */
  private readonly starts = [0];
  /** The last parts read: the windows over the text (chunking, scanning ahead) read close to each other. */
  private readonly recent = new Map<number, string>();

  constructor(
    /** Length of the text in UTF-16 code units (JavaScript's `length`). */
    readonly length: number,
    private readonly readPart: (index: number) => Promise<string>,
  ) {}

  /** A string's text in parts of `partLength` code units (tests; a text already in memory). */
  static of(text: string, partLength: number): TextSource {
    return new TextSource(text.length, (index) => Promise.resolve(text.slice(index * partLength, (index + 1) * partLength)));
  }

  /** Part `index` and where it starts; the parts before it are read first if they never were. */
  async part(index: number): Promise<{ start: number; text: string }> {
    while (this.starts.length <= index) await this.part(this.starts.length - 1);
    let text = this.recent.get(index);
    if (text === undefined) {
      text = await this.readPart(index);
      if (text.length === 0 && this.starts[index] < this.length)
        throw new Error(`the text ended at ${this.starts[index]} of ${this.length} characters`);
      this.recent.set(index, text);
      if (this.recent.size > RECENT_PARTS) this.recent.delete(this.recent.keys().next().value!);
    }
    this.starts[index + 1] ??= this.starts[index] + text.length;
    return { start: this.starts[index], text };
  }

  /** The index of the part holding `position` (reading ahead as far as needed). */
  async partAt(position: number): Promise<number> {
    while (this.starts[this.starts.length - 1] <= position && this.starts[this.starts.length - 1] < this.length) {
      await this.part(this.starts.length - 1);
    }
    let index = this.starts.length - 1;
    while (index > 0 && this.starts[index] > position) index--;
    return index;
  }
}

/** Parts kept in memory besides the windows' own text: the chunker's window and its look-ahead share them. */
const RECENT_PARTS = 3;

/**
 * A stretch of a TextSource held in memory: `text` is the source's text from `start` on. It grows when asked
 * to cover more and forgets what comes before the position it is released to.
 */
export class TextWindow {
  text = '';
  start = 0;
  private nextPart = 0;

  constructor(readonly source: TextSource) {}

  get end(): number {
    return this.start + this.text.length;
  }

  /** Whether the window already holds [from, to), or all of it there is. */
  covers(from: number, to: number): boolean {
    return from >= this.start && Math.min(to, this.source.length) <= this.end;
  }

  /** Makes the window hold [from, to), clipped at the text's end; what it held from `from` on stays. */
  async cover(from: number, to: number): Promise<void> {
    if (from < this.start || from > this.end) {
      // Outside what is held: start again at the part holding `from`.
      const index = await this.source.partAt(from);
      const part = await this.source.part(index);
      this.text = part.text.slice(from - part.start);
      this.start = from;
      this.nextPart = index + 1;
    }
    const limit = Math.min(to, this.source.length);
    while (this.end < limit) this.text += (await this.source.part(this.nextPart++)).text;
  }

  /** Forgets the text before `position`. */
  release(position: number): void {
    const cut = Math.min(position, this.end) - this.start;
    if (cut <= 0) return;
    this.text = this.text.slice(cut);
    this.start += cut;
  }

  /** The text of [from, to), which the window must hold. */
  slice(from: number, to: number): string {
    return this.text.slice(from - this.start, to - this.start);
  }

  charCodeAt(position: number): number {
    return this.text.charCodeAt(position - this.start);
  }
}
