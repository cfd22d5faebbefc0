import { Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { errorResponseSchema } from '@app/common/api-schemas';
import { Access } from '@app/security/access.decorator';
import { CurrentPrincipal } from '@app/security/current-principal.decorator';
import type { Principal } from '@app/security/principal';
import { GRANT_ACTIONS, PermissionsService, SUBJECT_PATTERN, type GrantList } from '@app/security/permissions.service';

const grantSchema = {
  type: 'object',
  properties: {
    resource: { type: 'object', properties: { type: { type: 'string', enum: ['queue', 'topic'] }, name: { type: 'string' } } },
    subject: { type: 'string', description: "the token's sub" },
    action: { type: 'string', enum: ['send_to_queue', 'receive', 'administer_queue', 'send_to_topic'] },
    grantedBy: { type: 'string' },
    grantedAt: { type: 'string', format: 'date-time' },
  },
};
const grantListSchema = { type: 'object', properties: { items: { type: 'array', items: grantSchema }, nextCursor: { type: 'string', nullable: true } } };
const subjectParam = { name: 'subject', description: `the token's sub, matching ${SUBJECT_PATTERN}`, schema: { type: 'string', pattern: SUBJECT_PATTERN } } as const;
const invalid = { description: 'INVALID_PERMISSION: unknown action or malformed subject', schema: errorResponseSchema };
const topicNotFound = { description: 'TOPIC_NOT_FOUND', schema: errorResponseSchema };

@ApiTags('permissions')
@Controller()
export class PermissionsController {
  constructor(private readonly permissions: PermissionsService) {}

  @Get('queues/:queue/permissions')
  @Access('catalog.read', { queueParam: 'queue' })
  @ApiOperation({ summary: 'Grants on a queue' })
  @ApiOkResponse({ schema: grantListSchema })
  queueGrants(@Param('queue') queue: string): Promise<GrantList> {
    return this.permissions.listForResource('queue', queue);
  }

  @Put('queues/:queue/permissions/:subject/:action')
  @HttpCode(204)
  @Access('catalog.write', { queueParam: 'queue' })
  @ApiOperation({ summary: 'Grant send_to_queue, receive or administer_queue (purge, redrive) on a queue (idempotent)' })
  @ApiParam(subjectParam)
  @ApiParam({ name: 'action', enum: GRANT_ACTIONS.queue })
  @ApiNoContentResponse()
  @ApiBadRequestResponse(invalid)
  grantOnQueue(@Param('queue') queue: string, @Param('subject') subject: string, @Param('action') action: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    return this.permissions.grant('queue', queue, subject, action, principal.subject);
  }

  @Delete('queues/:queue/permissions/:subject/:action')
  @HttpCode(204)
  @Access('catalog.write', { queueParam: 'queue' })
  @ApiOperation({ summary: 'Revoke a grant on a queue (idempotent: a missing grant is fine)' })
  @ApiParam(subjectParam)
  @ApiParam({ name: 'action', enum: GRANT_ACTIONS.queue })
  @ApiNoContentResponse()
  @ApiBadRequestResponse(invalid)
  revokeOnQueue(@Param('queue') queue: string, @Param('subject') subject: string, @Param('action') action: string): Promise<void> {
    return this.permissions.revoke('queue', queue, subject, action);
  }

  @Get('topics/:topic/permissions')
  @Access('catalog.read', { topicParam: 'topic' })
  @ApiOperation({ summary: 'Grants on a topic' })
  @ApiOkResponse({ schema: grantListSchema })
  @ApiNotFoundResponse(topicNotFound)
  topicGrants(@Param('topic') topic: string): Promise<GrantList> {
    return this.permissions.listForResource('topic', topic);
  }

  @Put('topics/:topic/permissions/:subject/:action')
  @HttpCode(204)
  @Access('catalog.write', { topicParam: 'topic' })
  @ApiOperation({ summary: 'Grant send_to_topic on a topic (idempotent)' })
  @ApiParam(subjectParam)
  @ApiParam({ name: 'action', enum: GRANT_ACTIONS.topic })
  @ApiNoContentResponse()
  @ApiBadRequestResponse(invalid)
  @ApiNotFoundResponse(topicNotFound)
  grantOnTopic(@Param('topic') topic: string, @Param('subject') subject: string, @Param('action') action: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    return this.permissions.grant('topic', topic, subject, action, principal.subject);
  }

  @Delete('topics/:topic/permissions/:subject/:action')
  @HttpCode(204)
  @Access('catalog.write', { topicParam: 'topic' })
  @ApiOperation({ summary: 'Revoke a grant on a topic (idempotent)' })
  @ApiParam(subjectParam)
  @ApiParam({ name: 'action', enum: GRANT_ACTIONS.topic })
  @ApiNoContentResponse()
  @ApiBadRequestResponse(invalid)
  @ApiNotFoundResponse(topicNotFound)
  revokeOnTopic(@Param('topic') topic: string, @Param('subject') subject: string, @Param('action') action: string): Promise<void> {
    return this.permissions.revoke('topic', topic, subject, action);
  }

  @Get('permissions')
  @Access('catalog.read')
  @ApiOperation({ summary: 'Every grant of a subject' })
  @ApiQuery({ ...subjectParam, required: true })
  @ApiOkResponse({ schema: grantListSchema })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (no subject) or INVALID_PERMISSION', schema: errorResponseSchema })
  subjectGrants(@Query('subject') subject: unknown): Promise<GrantList> {
    return this.permissions.listForSubject(subject);
  }
}
