import { Controller, Get, HttpCode, HttpStatus, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { WebAssets } from './web-assets';

const notFound = (name: string) => new AppError(ErrorCode.RouteNotFound, `No file /assets/${name}`);

/**
 * The web console at `/` and its files under `/assets/`. They hold no data, so they are served without an API
 * key (the page asks for one); everything the console shows comes through the public API under /v1.
 */
@ApiExcludeController()
@Controller()
export class WebController {
  constructor(private readonly assets: WebAssets) {}

  @Get()
  @HttpCode(HttpStatus.OK)
  page(@Res({ passthrough: true }) reply: FastifyReply): Buffer {
    return this.send(reply, 'index.html');
  }

  @Get('assets/:name')
  @HttpCode(HttpStatus.OK)
  asset(@Param('name') name: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    // The page itself lives at `/` only.
    if (name === 'index.html') throw notFound(name);
    return this.send(reply, name);
  }

  private send(reply: FastifyReply, name: string): Buffer {
    const asset = this.assets.get(name);
    if (!asset) throw notFound(name);
    void reply.header('content-type', asset.contentType).header('cache-control', 'no-cache');
    return asset.body;
  }
}
