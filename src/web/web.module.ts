import { Module } from '@nestjs/common';
import { WebAssets } from './web-assets';
import { WebController } from './web.controller';

/** A plain, dependency-free web page to ingest text or files, follow their status, search and delete. */
@Module({
  controllers: [WebController],
  providers: [WebAssets],
})
export class WebModule {}
