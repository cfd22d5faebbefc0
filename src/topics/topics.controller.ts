import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiQuery,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { apiRef } from '@app/common/api-schemas';
import { queryInt } from '@app/common/json-validation';
import { Access } from '@app/security/access.decorator';
import { CurrentPrincipal } from '@app/security/current-principal.decorator';
import type { Principal } from '@app/security/principal';
import type { Page } from '@app/storage/ports/message.store';
import type { PublishResult } from '@app/topics/topic-publisher';
import { TopicsService, type TopicView } from '@app/topics/topics.service';
import { FanOutService } from '@app/topics/fan-out.service';

const managed = { description: 'MANAGED_BY_CONFIG: the topic is defined by a file', schema: apiRef('Error') };

@ApiTags('topics')
@Controller('topics')
export class TopicsController {
  constructor(
    private readonly topics: TopicsService,
    private readonly fanOut: FanOutService,
  ) {}

  @Get()
  @Access('catalog.read')
  @ApiOperation({ operationId: 'listTopics', summary: 'List topics with their bound queues' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } })
  @ApiQuery({ name: 'cursor', required: false, schema: { type: 'string' } })
  @ApiOkResponse({ schema: apiRef('TopicList') })
  list(@Query('limit') limit?: string, @Query('cursor') cursor?: string): Promise<Page<TopicView>> {
    return this.topics.list(queryInt(limit, 'limit', 100, 1, 1000), cursor || null);
  }

  @Post()
  @Access('catalog.write')
  @ApiOperation({ operationId: 'createTopic', summary: 'Create a topic, optionally bound to queues at once' })
  @ApiBody({ schema: apiRef('TopicDefinition') })
  @ApiCreatedResponse({ schema: apiRef('Topic') })
  @ApiBadRequestResponse({ description: 'INVALID_TOPIC_DEFINITION, RESERVED_NAME', schema: apiRef('Error') })
  @ApiNotFoundResponse({ description: 'QUEUE_NOT_FOUND: a queue to bind does not exist', schema: apiRef('Error') })
  @ApiConflictResponse({ description: 'NAME_TAKEN: a queue or topic has this name', schema: apiRef('Error') })
  create(@Body() body: unknown): Promise<TopicView> {
    return this.topics.create(body);
  }

  @Get(':topic')
  @Access('catalog.read', { topicParam: 'topic' })
  @ApiOperation({ operationId: 'getTopic', summary: 'A topic with its bound queues' })
  @ApiOkResponse({ schema: apiRef('Topic') })
  get(@Param('topic') topic: string): Promise<TopicView> {
    return this.topics.get(topic);
  }

  @Delete(':topic')
  @HttpCode(204)
  @Access('catalog.write', { topicParam: 'topic' })
  @ApiOperation({ operationId: 'deleteTopic', summary: 'Delete a topic with its bindings and grants (bound queues and their messages stay)' })
  @ApiNoContentResponse()
  @ApiConflictResponse(managed)
  delete(@Param('topic') topic: string): Promise<void> {
    return this.topics.delete(topic);
  }

  @Put(':topic/queues/:queue')
  @HttpCode(204)
  @Access('catalog.write', { topicParam: 'topic' })
  @ApiOperation({ operationId: 'bindQueue', summary: 'Bind a queue to the topic (idempotent)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'QUEUE_NOT_FOUND', schema: apiRef('Error') })
  @ApiConflictResponse(managed)
  bind(@Param('topic') topic: string, @Param('queue') queue: string): Promise<void> {
    return this.topics.bind(topic, queue);
  }

  @Delete(':topic/queues/:queue')
  @HttpCode(204)
  @Access('catalog.write', { topicParam: 'topic' })
  @ApiOperation({ operationId: 'unbindQueue', summary: 'Unbind a queue from the topic (idempotent)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'QUEUE_NOT_FOUND', schema: apiRef('Error') })
  @ApiConflictResponse(managed)
  unbind(@Param('topic') topic: string, @Param('queue') queue: string): Promise<void> {
    return this.topics.unbind(topic, queue);
  }

  @Post(':topic/messages')
  @Access('topic.publish', { topicParam: 'topic' })
  @ApiOperation({
    operationId: 'publishMessage',
    summary: 'Publish: one message per bound queue, each checked against its queue schema first (all or nothing stored)',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      "a retried publish by the same subject with the same key stores no second copy in any queue and answers 200; topic keys never match a direct push's key",
  })
  @ApiBody({ schema: { description: 'any JSON value accepted by every bound queue schema' } })
  @ApiHeader({
    name: 'Message-Group-Id',
    required: false,
    description: 'the message group of the copies stored in FIFO queues (copies in other queues have none)',
  })
  @ApiCreatedResponse({ schema: apiRef('PublishResult') })
  @ApiOkResponse({ schema: apiRef('PublishResult'), description: 'the Idempotency-Key was used before: the first copies' })
  @ApiConflictResponse({
    description: "IDEMPOTENCY_KEY_CONFLICT: a guard, should a stored key name another subject's message (nothing of it is shown)",
    schema: apiRef('Error'),
  })
  @ApiBadRequestResponse({ description: 'MALFORMED_JSON, VALIDATION_FAILED or JSON_TOO_DEEP (MESSAGE_MAX_DEPTH)', schema: apiRef('Error') })
  @ApiPayloadTooLargeResponse({ description: 'PAYLOAD_TOO_LARGE', schema: apiRef('Error') })
  @ApiUnprocessableEntityResponse({
    description: 'MESSAGE_SCHEMA_INVALID: `queue` names the bound queue that refused it; nothing was stored',
    schema: apiRef('SchemaError'),
  })
  async publish(
    @Param('topic') topic: string,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('message-group-id') groupId: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PublishResult> {
    const { replayed, ...result } = await this.fanOut.fanOut(topic, body, {
      sentBy: principal.subject,
      principal,
      idempotencyKey: idempotencyKey ?? null,
      groupId: groupId ?? null,
    });
    response.status(replayed ? 200 : 201);
    return result;
  }
}
