import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { PolicyServerModule } from '../policy-server.module';

export const POLICY_DOCS_PATH = 'admin/v1/docs';

/** The policy service's admin API as an OpenAPI document (only this module's routes). */
export function buildPolicyOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Policy Gateway: policy service admin API')
    .setDescription(
      'Projects and plans, scoped keys (shown once, stored hashed), immutable policy revisions with activation, ' +
        'rollback and dry-run, and the change history. Errors: `{ "error": { message, type, param, code } }`.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' })
    .build();
  return SwaggerModule.createDocument(app, config, { include: [PolicyServerModule] });
}
