import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
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
import { apiError, apiRef } from '@app/common/api-schemas';
import { batchBodySchema, type BatchInput } from '@app/messages/push.schemas';
import { DomainError } from '@app/common/domain-error';
import { queryInt, validateInput } from '@app/common/json-validation';
import { Access } from '@app/security/access.decorator';
import { CurrentPrincipal } from '@app/security/current-principal.decorator';
import type { Principal } from '@app/security/principal';
import { MESSAGE_STATUSES, type MessageStatus } from '@app/domain/message';
import type { Page } from '@app/storage/ports/message.store';
import { isDeduplicated, MAX_DELAY_SECONDS, MessagesService, type PushResult } from '@app/messages/messages.service';
import { DeliveryService } from '@app/messages/delivery.service';
import { QueueRegistry } from '@app/queues/queue-registry.service';
import { toDeduplicatedView, toMessageView, type DeduplicatedView, type MessageView } from '@app/messages/message.view';
import { QueueOperationsService, type PurgeResult, type RedriveResult } from '@app/messages/queue-operations.service';
import { purgeBodySchema, redriveBodySchema, type PurgeInput, type RedriveInput } from '@app/messages/queue-operations.schemas';

const delayQuery = { name: 'delaySeconds', required: false, schema: { type: 'integer', minimum: 0, maximum: MAX_DELAY_SECONDS } } as const;
const groupHeader = {
  name: 'Message-Group-Id',
  required: false,
  description: 'FIFO queues (required there, refused elsewhere): the message group; a group is delivered in order, one batch of it in flight at a time',
} as const;
const deduplicationHeader = {
  name: 'Deduplication-Id',
  required: false,
  description:
    "FIFO queues: a push with an id already stored in this queue within the deduplication window (any sender) answers 200 with the first message's id and stores nothing",
} as const;
const idempotencyHeader = {
  name: 'Idempotency-Key',
  required: false,
  description:
    "a retried push by the same subject with the same key answers 200 with its first message instead of storing another; keys are per subject (another subject's equal key is a key of its own)",
} as const;

/** A FIFO duplicate of another sender's message shows only its id: its body is not the caller's to read. */
function pushedView(outcome: PushResult, principal: Principal): MessageView | DeduplicatedView {
  if (isDeduplicated(outcome) && outcome.message.sentBy !== principal.subject) return toDeduplicatedView(outcome.message);
  return toMessageView(outcome.message);
}

@ApiTags('messages')
@Controller('queues/:queue/messages')
export class MessagesController {
  constructor(
    private readonly messages: MessagesService,
    private readonly delivery: DeliveryService,
    private readonly registry: QueueRegistry,
    private readonly operations: QueueOperationsService,
  ) {}

  @Post()
  @Access('message.write', { queueParam: 'queue' })
  @ApiOperation({ operationId: 'pushMessage', summary: 'Push a message (the body is the message)' })
  @ApiHeader(idempotencyHeader)
  @ApiHeader(groupHeader)
  @ApiHeader(deduplicationHeader)
  @ApiQuery(delayQuery)
  @ApiBody({ schema: { description: 'any JSON value accepted by the queue schema' } })
  @ApiCreatedResponse({
    schema: apiRef('Message'),
    description: 'stored durably; Location names the message',
    headers: { Location: { description: 'the URL of the stored message', required: true, schema: { type: 'string' } } },
  })
  @ApiOkResponse({
    schema: { oneOf: [apiRef('Message'), apiRef('DeduplicatedMessage')] },
    description:
      "the Idempotency-Key (or, in a FIFO queue, the Deduplication-Id) was used before: the first message; another sender's shows only id, queue, status, groupId, sequenceNumber",
  })
  @ApiConflictResponse({
    description: "IDEMPOTENCY_KEY_CONFLICT: a guard, should a stored key name another subject's message (nothing of it is shown)",
    schema: apiRef('Error'),
  })
  @ApiBadRequestResponse({ description: 'MALFORMED_JSON, VALIDATION_FAILED or JSON_TOO_DEEP (MESSAGE_MAX_DEPTH)', schema: apiRef('Error') })
  @ApiPayloadTooLargeResponse({ description: 'PAYLOAD_TOO_LARGE (MESSAGE_MAX_BYTES)', schema: apiRef('Error') })
  @ApiUnprocessableEntityResponse({ description: 'MESSAGE_SCHEMA_INVALID', schema: apiRef('SchemaError') })
  async push(
    @Param('queue') queue: string,
    @Body() body: unknown,
    @Query('delaySeconds') delay: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('message-group-id') groupId: string | undefined,
    @Headers('deduplication-id') deduplicationId: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<MessageView | DeduplicatedView> {
    const outcome = await this.messages.push(queue, body, {
      sentBy: principal.subject,
      principal,
      idempotencyKey: idempotencyKey ?? null,
      delaySeconds: queryInt(delay, 'delaySeconds', 0, 0, MAX_DELAY_SECONDS),
      groupId: groupId ?? null,
      deduplicationId: deduplicationId ?? null,
    });
    response.status(outcome.replayed ? 200 : 201).location(`/api/v1/queues/${encodeURIComponent(queue)}/messages/${outcome.message.id}`);
    return pushedView(outcome, principal);
  }

  @Post('batch')
  @Access('message.write', { queueParam: 'queue' })
  @ApiOperation({ operationId: 'pushMessages', summary: 'Push up to 100 messages: all are valid and stored, or none is' })
  @ApiHeader({
    ...idempotencyHeader,
    description: "a retried batch by the same subject with the same key stores nothing new; batch keys never match a single push's key",
  })
  @ApiHeader({ ...groupHeader, description: 'FIFO queues: the message group of every message without its own entries[].groupId' })
  @ApiQuery(delayQuery)
  @ApiBody({ schema: apiRef('PushBatchRequest') })
  @ApiCreatedResponse({ schema: apiRef('PushBatchResult'), description: 'all stored durably (or, with a used Idempotency-Key, the first batch)' })
  @ApiConflictResponse({
    description: "IDEMPOTENCY_KEY_CONFLICT: a guard, should a stored key name another subject's message (nothing of it is shown)",
    schema: apiRef('Error'),
  })
  @ApiBadRequestResponse({
    description: 'MALFORMED_JSON, VALIDATION_FAILED or JSON_TOO_DEEP (MESSAGE_MAX_DEPTH; the message names the index)',
    schema: apiRef('Error'),
  })
  @ApiPayloadTooLargeResponse({ description: 'PAYLOAD_TOO_LARGE', schema: apiRef('Error') })
  @ApiUnprocessableEntityResponse({ description: 'MESSAGE_SCHEMA_INVALID (the message names the index)', schema: apiRef('SchemaError') })
  async pushBatch(
    @Param('queue') queue: string,
    @Body() body: unknown,
    @Query('delaySeconds') delay: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('message-group-id') groupId: string | undefined,
    @Headers('deduplication-id') deduplicationId: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ items: Array<MessageView | DeduplicatedView> }> {
    if (deduplicationId !== undefined) throw new DomainError('VALIDATION_FAILED', 'a batch takes a deduplication id per message: entries[].deduplicationId');
    const input = validateInput<BatchInput>(batchBodySchema, body, 'VALIDATION_FAILED', 'batch');
    const entries = input.entries
      ? input.entries.map((e) => ({ body: e.message, groupId: e.groupId, deduplicationId: e.deduplicationId }))
      : input.messages!.map((message) => ({ body: message }));
    const outcomes = await this.messages.pushBatch(queue, entries, {
      sentBy: principal.subject,
      principal,
      idempotencyKey: idempotencyKey ?? null,
      delaySeconds: queryInt(delay, 'delaySeconds', 0, 0, MAX_DELAY_SECONDS),
      groupId: groupId ?? null,
    });
    return { items: outcomes.map((o) => pushedView(o, principal)) };
  }

  @Post('purge')
  @HttpCode(200)
  @Access('queue.admin', { queueParam: 'queue' })
  @ApiOperation({
    operationId: 'purgeQueue',
    summary: 'Purge: delete messages of the queue, all (leased ones included) or of one status',
    description: 'Deletes at most maxMessages per request, in chunks; repeat while `done` is false. Writes an audit log line.',
  })
  @ApiBody({ schema: apiRef('PurgeRequest'), required: false })
  @ApiOkResponse({ schema: apiRef('PurgeResult') })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED', schema: apiRef('Error') })
  purge(@Param('queue') queue: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<PurgeResult> {
    const input = validateInput<PurgeInput>(purgeBodySchema, body ?? {}, 'VALIDATION_FAILED', 'purge request');
    return this.operations.purge(queue, input, principal);
  }

  @Post('redrive')
  @HttpCode(200)
  @Access('queue.admin', { queueParam: 'queue' })
  @ApiOperation({
    operationId: 'redriveQueue',
    summary: 'Redrive this dead-letter queue: send its dead letters back to their source queues, each exactly once',
    description:
      'The caller also needs queue.admin on each source queue (dead letters of other sources are skipped as FORBIDDEN). At most maxMessages per request; repeat with nextCursor while `done` is false. Writes an audit log line.',
  })
  @ApiBody({ schema: apiRef('RedriveRequest'), required: false })
  @ApiOkResponse({ schema: apiRef('RedriveResult') })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED or INVALID_CURSOR', schema: apiRef('Error') })
  redrive(@Param('queue') queue: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<RedriveResult> {
    const input = validateInput<RedriveInput>(redriveBodySchema, body ?? {}, 'VALIDATION_FAILED', 'redrive request');
    return this.operations.redrive(queue, input, principal);
  }

  @Get()
  @Access('message.consume', { queueParam: 'queue' })
  @ApiOperation({ operationId: 'listMessages', summary: 'List messages in delivery order, optionally by status' })
  @ApiQuery({ name: 'status', required: false, enum: MESSAGE_STATUSES })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } })
  @ApiQuery({ name: 'cursor', required: false, schema: { type: 'string' } })
  @ApiOkResponse({ schema: apiRef('MessageList') })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED or INVALID_CURSOR', schema: apiRef('Error') })
  async list(
    @Param('queue') queue: string,
    @Query('status') status?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ): Promise<Page<MessageView>> {
    if (status !== undefined && !MESSAGE_STATUSES.includes(status as MessageStatus)) {
      throw new DomainError('VALIDATION_FAILED', `status must be one of ${MESSAGE_STATUSES.join(', ')}`);
    }
    const page = await this.messages.list(queue, status as MessageStatus | undefined, queryInt(limit, 'limit', 100, 1, 1000), cursor || null);
    return { items: page.items.map(toMessageView), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @Access('message.write', { queueParam: 'queue' })
  @ApiOperation({ operationId: 'getMessage', summary: 'Status and result of a message' })
  @ApiNotFoundResponse(apiError('MESSAGE_NOT_FOUND: no message with this id in the queue'))
  @ApiOkResponse({ schema: apiRef('Message') })
  async get(@Param('queue') queue: string, @Param('id') id: string): Promise<MessageView> {
    return toMessageView(await this.messages.get(queue, id));
  }

  @Delete(':id')
  @HttpCode(204)
  @Access('message.write', { queueParam: 'queue' })
  @ApiOperation({ operationId: 'deleteMessage', summary: 'Delete a message' })
  @ApiNotFoundResponse(apiError('MESSAGE_NOT_FOUND: no message with this id in the queue'))
  @ApiNoContentResponse()
  async delete(@Param('queue') queue: string, @Param('id') id: string): Promise<void> {
    await this.messages.delete(queue, id);
  }

  @Post(':id/requeue')
  @HttpCode(200)
  @Access('message.consume', { queueParam: 'queue' })
  @ApiOperation({
    operationId: 'requeueMessage',
    summary: 'Put an ERROR message back to PENDING (attempts start again); its waiting dead-letter copy is deleted',
  })
  @ApiNotFoundResponse(apiError('MESSAGE_NOT_FOUND: no message with this id in the queue'))
  @ApiOkResponse({ schema: apiRef('Message') })
  @ApiConflictResponse({ description: 'MESSAGE_NOT_IN_ERROR, or DEAD_LETTER_IN_PROGRESS (its dead-letter copy is leased right now)', schema: apiRef('Error') })
  async requeue(@Param('queue') queue: string, @Param('id') id: string): Promise<MessageView> {
    return toMessageView(await this.delivery.requeue(this.registry.require(queue).definition, id));
  }
}
