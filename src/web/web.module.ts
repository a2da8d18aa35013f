import { Module } from '@nestjs/common';
import { WebAssets } from './web-assets';
import { WebController } from './web.controller';

/** The web console: a plain, dependency-free page over the public API (collections, documents, chunks, search, uploads). */
@Module({
  controllers: [WebController],
  providers: [WebAssets],
})
export class WebModule {}
