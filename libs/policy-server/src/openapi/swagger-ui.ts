import type { INestApplication } from '@nestjs/common';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

interface ReplyLike {
  type(contentType: string): ReplyLike;
  code(status: number): ReplyLike;
  send(body: unknown): void;
}

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'application/javascript',
  'swagger-ui-standalone-preset.js': 'application/javascript',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/**
 * Swagger UI at `/<path>` and the JSON at `/<path>-json`. @nestjs/swagger's own UI needs @fastify/static
 * (not a dependency), so the UI's few static files are served from swagger-ui-dist by plain routes.
 */
export function serveSwaggerUi(app: INestApplication, path: string, document: OpenAPIObject): void {
  SwaggerModule.setup(path, app, document, { ui: false, raw: ['json'] });
  const http = app.getHttpAdapter();
  const base = `/${path.replace(/^\/+|\/+$/g, '')}`;
  // swagger-ui-dist comes with @nestjs/swagger.
  const dist = (): string => dirname(require.resolve('swagger-ui-dist/package.json'));
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><title>${document.info.title}</title>
<link rel="stylesheet" href="${base}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="${base}/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '${base}-json', dom_id: '#swagger-ui', persistAuthorization: true });</script>
</body></html>`;
  http.get(base, (_req: unknown, reply: ReplyLike) => reply.type('text/html').send(html));
  for (const [file, contentType] of Object.entries(ASSETS)) {
    http.get(`${base}/${file}`, async (_req: unknown, reply: ReplyLike) => {
      reply.type(contentType).send(await readFile(join(dist(), file)));
    });
  }
}
