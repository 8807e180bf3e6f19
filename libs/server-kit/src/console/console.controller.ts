import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { CONSOLE_SECURITY_HEADERS, type ConsoleAsset } from './console-assets';

export const CONSOLE_ASSETS = Symbol('CONSOLE_ASSETS');

/** The parts of Fastify's reply this controller uses. */
interface Reply {
  code(status: number): Reply;
  header(name: string, value: string): Reply;
  send(body: Buffer | string): unknown;
}

/** Serves the built admin console (apps/console) at /console with a strict Content-Security-Policy. */
@ApiExcludeController()
@Controller('console')
export class ConsoleController {
  constructor(@Inject(CONSOLE_ASSETS) private readonly assets: Map<string, ConsoleAsset>) {}

  @Get()
  index(@Res() reply: Reply): void {
    this.send(reply, '');
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() reply: Reply): void {
    this.send(reply, `assets/${file}`);
  }

  private send(reply: Reply, path: string): void {
    for (const [name, value] of Object.entries(CONSOLE_SECURITY_HEADERS)) reply.header(name, value);
    const asset = this.assets.get(path);
    if (!asset) {
      const message =
        path === '' ? 'The admin console is not built: run `npm run build`.' : 'No such console file.';
      reply.code(404).header('content-type', 'text/plain; charset=utf-8').send(message);
      return;
    }
    reply
      .header('content-type', asset.contentType)
      .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .send(asset.body);
  }
}
