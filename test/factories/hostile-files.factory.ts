import { createDeflate } from 'node:zlib';

/**
 * Files made to hurt a parser, written in raw PDF syntax (so each is exactly what its name says, whatever a
 * PDF library would normalise) and HTML. Each once took the service down or held its event loop for seconds
 * (issue 13): they are generated, never stored, and small on the wire.
 */

/** A PDF of the given objects (1-based, object 1 the catalog), with a correct cross-reference table. */
function rawPdf(objects: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = parts[0].length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(offset);
    const object = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), body, Buffer.from('\nendobj\n')]);
    parts.push(object);
    offset += object.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n`, '0000000000 65535 f \n', ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)];
  parts.push(Buffer.from(`${xref.join('')}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${offset}\n%%EOF\n`));
  return Buffer.concat(parts);
}

const streamObject = (dictionary: string, data: Buffer) =>
  Buffer.concat([Buffer.from(`<< ${dictionary} /Length ${data.length} >>\nstream\n`), data, Buffer.from('\nendstream')]);

/**
 * A PDF whose page tree lists one page `pageCount` times (`3 0 R` over and over, 6 bytes a page): 200,000
 * references are 1.2 MB; extracting them all once ran the heap out of memory, 20,000 held the event loop 48 s.
 */
export function pdfWithPageReferences(pageCount: number): Buffer {
  const kids = Buffer.from('3 0 R '.repeat(pageCount));
  return rawPdf([
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.concat([Buffer.from('<< /Type /Pages /Kids ['), kids, Buffer.from(`] /Count ${pageCount} >>`)]),
    Buffer.from('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>'),
    streamObject('', Buffer.from('BT /F1 12 Tf 72 720 Td (A page of a hostile file) Tj ET')),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'),
  ]);
}

/**
 * A one-page PDF whose content stream is a deflate bomb: ~300 KB that inflate to `inflatedMb` MB of text
 * operators (the ratio of deflate on repetition is about 1000:1).
 */
export async function pdfWithFlateBomb(inflatedMb = 300): Promise<Buffer> {
  const deflate = createDeflate({ level: 9 });
  const compressed: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => compressed.push(chunk));
  const done = new Promise<void>((resolve, reject) => deflate.once('end', resolve).once('error', reject));
  const operators = Buffer.from('(AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA) Tj\n'.repeat(16 * 1024)); // 1 MiB
  deflate.write('BT /F1 12 Tf 72 720 Td\n');
  for (let i = 0; i < inflatedMb; i++) {
    // Respect backpressure so the generator itself never holds more than a few MB.
    if (!deflate.write(operators)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end('ET');
  await done;
  return rawPdf([
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>'),
    Buffer.from('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>'),
    streamObject('/Filter /FlateDecode', Buffer.concat(compressed)),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'),
  ]);
}

/** An HTML page nested `depth` elements deep: html-to-text recurses once per level and overflows the stack. */
export function deeplyNestedHtml(depth = 50_000): string {
  return `<!doctype html><html><body>${'<div>'.repeat(depth)}deep</body></html>`;
}

/**
 * An HTML table of `size` × `size` cells: html-to-text lays out a data table with every cell's text in
 * memory several times over (1000 × 1000 cells, 10 MB: 4 s and 830 MB of RSS on the event loop).
 */
export function hugeHtmlTable(size = 1500): string {
  const row = `<tr>${'<td>x</td>'.repeat(size)}</tr>`;
  return `<!doctype html><html><body><table>${row.repeat(size)}</table></body></html>`;
}
