import { Module } from '@nestjs/common';
import { TextExtractor } from './text-extractor';

/** Text out of uploaded files: plain text, markdown, HTML (boilerplate dropped) and PDF (with page offsets). */
@Module({
  providers: [TextExtractor],
  exports: [TextExtractor],
})
export class ExtractionModule {}
