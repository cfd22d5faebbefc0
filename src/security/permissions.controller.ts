import { Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { apiRef } from '@app/common/api-schemas';
import { Access } from '@app/security/access.decorator';
import { CurrentPrincipal } from '@app/security/current-principal.decorator';
import type { Principal } from '@app/security/principal';
import { GRANT_ACTIONS, PermissionsService, SUBJECT_PATTERN, type GrantList } from '@app/security/permissions.service';

const subjectParam = {
  name: 'subject',
  description: `the token's sub, matching ${SUBJECT_PATTERN}`,
  schema: { type: 'string', pattern: SUBJECT_PATTERN },
} as const;
const invalid = { description: 'INVALID_PERMISSION: unknown action or malformed subject', schema: apiRef('Error') };

@ApiTags('permissions')
@Controller()
export class PermissionsController {
  constructor(private readonly permissions: PermissionsService) {}

  @Get('queues/:queue/permissions')
  @Access('catalog.read', { queueParam: 'queue' })
  @ApiOperation({ operationId: 'listQueueGrants', summary: 'Grants on a queue' })
  @ApiOkResponse({ schema: apiRef('GrantList') })
  queueGrants(@Param('queue') queue: string): Promise<GrantList> {
    return this.permissions.listForResource('queue', queue);
  }

  @Put('queues/:queue/permissions/:subject/:action')
  @HttpCode(204)
  @Access('catalog.write', { queueParam: 'queue' })
  @ApiOperation({ operationId: 'grantOnQueue', summary: 'Grant send_to_queue, receive or administer_queue (purge, redrive) on a queue (idempotent)' })
  @ApiParam(subjectParam)
  @ApiParam({ name: 'action', enum: GRANT_ACTIONS.queue })
  @ApiNoContentResponse()
  @ApiBadRequestResponse(invalid)
  grantOnQueue(
    @Param('queue') queue: string,
    @Param('subject') subject: string,
    @Param('action') action: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    return this.permissions.grant('queue', queue, subject, action, principal.subject);
  }

  @Delete('queues/:queue/permissions/:subject/:action')
  @HttpCode(204)
  @Access('catalog.write', { queueParam: 'queue' })
  @ApiOperation({ operationId: 'revokeOnQueue', summary: 'Revoke a grant on a queue (idempotent: a missing grant is fine)' })
  @ApiParam(subjectParam)
  @ApiParam({ name: 'action', enum: GRANT_ACTIONS.queue })
  @ApiNoContentResponse()
  @ApiBadRequestResponse(invalid)
  revokeOnQueue(@Param('queue') queue: string, @Param('subject') subject: string, @Param('action') action: string): Promise<void> {
    return this.permissions.revoke('queue', queue, subject, action);
  }

  @Get('topics/:topic/permissions')
  @Access('catalog.read', { topicParam: 'topic' })
  @ApiOperation({ operationId: 'listTopicGrants', summary: 'Grants on a topic' })
  @ApiOkResponse({ schema: apiRef('GrantList') })
  topicGrants(@Param('topic') topic: string): Promise<GrantList> {
    return this.permissions.listForResource('topic', topic);
  }

  @Put('topics/:topic/permissions/:subject/:action')
  @HttpCode(204)
  @Access('catalog.write', { topicParam: 'topic' })
  @ApiOperation({ operationId: 'grantOnTopic', summary: 'Grant send_to_topic on a topic (idempotent)' })
  @ApiParam(subjectParam)
  @ApiParam({ name: 'action', enum: GRANT_ACTIONS.topic })
  @ApiNoContentResponse()
  @ApiBadRequestResponse(invalid)
  grantOnTopic(
    @Param('topic') topic: string,
    @Param('subject') subject: string,
    @Param('action') action: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    return this.permissions.grant('topic', topic, subject, action, principal.subject);
  }

  @Delete('topics/:topic/permissions/:subject/:action')
  @HttpCode(204)
  @Access('catalog.write', { topicParam: 'topic' })
  @ApiOperation({ operationId: 'revokeOnTopic', summary: 'Revoke a grant on a topic (idempotent)' })
  @ApiParam(subjectParam)
  @ApiParam({ name: 'action', enum: GRANT_ACTIONS.topic })
  @ApiNoContentResponse()
  @ApiBadRequestResponse(invalid)
  revokeOnTopic(@Param('topic') topic: string, @Param('subject') subject: string, @Param('action') action: string): Promise<void> {
    return this.permissions.revoke('topic', topic, subject, action);
  }

  @Get('permissions')
  @Access('catalog.read')
  @ApiOperation({ operationId: 'listSubjectGrants', summary: 'Every grant of a subject' })
  @ApiQuery({ ...subjectParam, required: true })
  @ApiOkResponse({ schema: apiRef('GrantList') })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (no subject) or INVALID_PERMISSION', schema: apiRef('Error') })
  subjectGrants(@Query('subject') subject: unknown): Promise<GrantList> {
    return this.permissions.listForSubject(subject);
  }
}
