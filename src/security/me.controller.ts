import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { apiError, apiRef } from '@app/common/api-schemas';
import { Access } from '@app/security/access.decorator';
import { CurrentPrincipal } from '@app/security/current-principal.decorator';
import type { Principal } from '@app/security/principal';
import { MeService, type MeView } from '@app/security/me.service';

@ApiTags('permissions')
@Controller('me')
export class MeController {
  constructor(private readonly me: MeService) {}

  @Get()
  @Access('self')
  @ApiOperation({
    operationId: 'getMe',
    summary: "The caller's subject, roles and what they allow (on a queue or topic when named); the console uses it to show only allowed actions",
  })
  @ApiQuery({ name: 'queue', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'topic', required: false, schema: { type: 'string' } })
  @ApiOkResponse({ schema: apiRef('Me') })
  @ApiNotFoundResponse(apiError('QUEUE_NOT_FOUND or TOPIC_NOT_FOUND: the named queue or topic does not exist'))
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (a repeated or empty query parameter); QUEUE_NOT_FOUND is 404', schema: apiRef('Error') })
  get(@CurrentPrincipal() principal: Principal, @Query('queue') queue: unknown, @Query('topic') topic: unknown): Promise<MeView> {
    return this.me.describe(principal, queue, topic);
  }
}
