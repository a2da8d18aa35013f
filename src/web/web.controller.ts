import { Controller, Get, Header, HttpCode, HttpStatus } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { WebAssets } from './web-assets';

/** The web page at `/` and its two assets. Everything it does goes through the public API under /v1. */
@ApiExcludeController()
@Controller()
export class WebController {
  constructor(private readonly assets: WebAssets) {}

  @Get()
  @HttpCode(HttpStatus.OK)
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  page(): string {
    return this.assets.get('index.html');
  }

  @Get('assets/app.js')
  @HttpCode(HttpStatus.OK)
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'no-cache')
  script(): string {
    return this.assets.get('app.js');
  }

  @Get('assets/app.css')
  @HttpCode(HttpStatus.OK)
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'no-cache')
  styles(): string {
    return this.assets.get('app.css');
  }
}
