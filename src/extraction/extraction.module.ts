import { Module } from '@nestjs/common';
import { ExtractionSandbox } from './extraction-sandbox';
import { TextExtractor } from './text-extractor';

/**
 * Text out of uploaded files: plain text, markdown, HTML (boilerplate dropped) and PDF (with page offsets),
 * the last two parsed in a child process under limits (ExtractionSandbox).
 */
@Module({
  providers: [TextExtractor, ExtractionSandbox],
  exports: [TextExtractor],
})
export class ExtractionModule {}
