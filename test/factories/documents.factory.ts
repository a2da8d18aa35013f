import { PDFDocument, StandardFonts } from 'pdf-lib';

/** Sentences that end up in the sample documents, so tests can search for them. */
export const SENTENCES = {
  txt: 'The lighthouse keeper logs every passing ship in a leather notebook.',
  md: 'Sourdough starters need feeding with flour and water every twelve hours.',
  html: 'Glaciers carve U-shaped valleys as they slowly move downhill.',
  htmlBoilerplate: 'Subscribe to our newsletter for weekly deals',
  pdfPage1: 'Chapter one introduces the migratory patterns of arctic terns.',
  pdfPage2: 'The quarterly revenue of the walrus division grew by forty percent.',
  pdfPage3: 'Appendix C lists every volcano observed on the northern ridge.',
};

export function sampleText(): string {
  return `Ship log\n\n${SENTENCES.txt}\nIt has done so since 1902.\n`;
}

export function sampleMarkdown(): string {
  return `# Baking notes\n\n## Starters\n\n${SENTENCES.md}\n\n- rye flour\n- filtered water\n`;
}

/** An HTML page with boilerplate (script, style, navigation, header, footer) around its content. */
export function sampleHtml(): string {
  return `<!doctype html>
<html><head><title>Glaciers</title><style>body { color: red }</style><script>window.tracking = "pixel-secret";</script></head>
<body>
  <header><a href="/">Home</a> | <a href="/about">About</a></header>
  <nav><ul><li>Menu item one</li><li>Menu item two</li></ul></nav>
  <main><h1>How glaciers shape land</h1><p>${SENTENCES.html}</p><p>Moraines are left behind.</p></main>
  <footer>${SENTENCES.htmlBoilerplate} · © 2026</footer>
</body></html>`;
}

/** A page of the sample PDF: its sentence between lines of filler, so it is far from the page's edges. */
function pdfPage(sentence: string, page: number): string[] {
  const filler = (i: number) => `Page ${page} filler line ${i} keeps the key sentence away from the page edge.`;
  return [filler(1), filler(2), filler(3), filler(4), sentence, filler(5), filler(6), filler(7), filler(8)];
}

/**
 * A real PDF made with pdf-lib: by default three pages of about 600 characters, each with one of the
 * SENTENCES.pdfPage* in its middle; or one page per given text (a line each).
 */
export async function samplePdf(pages?: string[]): Promise<Buffer> {
  const lines =
    pages?.map((text) => [text]) ?? [SENTENCES.pdfPage1, SENTENCES.pdfPage2, SENTENCES.pdfPage3].map((sentence, i) => pdfPage(sentence, i + 1));
  const document = await PDFDocument.create();
  const font = await document.embedFont(StandardFonts.Helvetica);
  for (const pageLines of lines) {
    const page = document.addPage([480, 400]);
    pageLines.forEach((line, i) => page.drawText(line, { x: 24, y: 360 - i * 16, size: 10, font }));
  }
  return Buffer.from(await document.save());
}

/**
 * Chunking that keeps every page's sentence whole in a chunk that lies on that page alone, while fixed-size
 * windows also make chunks that run across a page break (recursive, the PDF default, splits at the break).
 */
export const PDF_CHUNKING = { chunking_strategy: 'fixed', chunk_size: '200', chunk_overlap: '100' };
