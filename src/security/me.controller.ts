import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { errorResponseSchema } from '@app/common/api-schemas';
import { Access } from '@app/security/access.decorator';
import { CurrentPrincipal } from '@app/security/current-principal.decorator';
import type { Principal } from '@app/security/principal';
import { MeService, type MeView } from '@app/security/me.service';

const flags = (names: string[]) => Object.fromEntries(names.map((n) => [n, { type: 'boolean' }]));
const meSchema = {
  type: 'object',
  properties: {
    subject: { type: 'string' },
    roles: { type: 'array', items: { type: 'string' } },
    clientRoles: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    rights: { type: 'object', properties: flags(['readCatalog', 'writeCatalog']) },
    queue: { type: 'object', nullable: true, properties: { name: { type: 'string' }, ...flags(['push', 'consume', 'administer']) } },
    topic: { type: 'object', nullable: true, properties: { name: { type: 'string' }, ...flags(['publish']) } },
  },
};

@ApiTags('permissions')
@Controller('me')
export class MeController {
  constructor(private readonly me: MeService) {}

  @Get()
  @Access('self')
  @ApiOperation({ summary: "The caller's subject, roles and what they allow (on a queue or topic when named); the console uses it to show only allowed actions" })
  @ApiQuery({ name: 'queue', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'topic', required: false, schema: { type: 'string' } })
  @ApiOkResponse({ schema: meSchema })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (a repeated or empty query parameter); QUEUE_NOT_FOUND is 404', schema: errorResponseSchema })
  get(@CurrentPrincipal() principal: Principal, @Query('queue') queue: unknown, @Query('topic') topic: unknown): Promise<MeView> {
    return this.me.describe(principal, queue, topic);
  }
}
