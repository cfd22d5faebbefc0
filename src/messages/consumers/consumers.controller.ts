import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { apiError, apiRef, RETRY_AFTER_HEADER } from '@app/common/api-schemas';
import { validateInput } from '@app/common/json-validation';
import { Access } from '@app/security/access.decorator';
import { CurrentPrincipal } from '@app/security/current-principal.decorator';
import type { Principal } from '@app/security/principal';
import type { StoredMessage } from '@app/domain/message';
import { toMessageView, type MessageView } from '@app/messages/message.view';
import { ConsumersService } from '@app/messages/consumers/consumers.service';
import {
  ackBatchBodySchema,
  ackBodySchema,
  type AckBatchInput,
  type AckBatchResult,
  leaseBodySchema,
  receiveBodySchema,
  type AckInput,
  type LeaseInput,
  type ReceiveInput,
} from '@app/messages/consumers/consumers.schemas';

interface LeasedMessageView extends MessageView {
  receipt: string;
  leaseExpiresAt: string;
}

function leasedView(message: StoredMessage): LeasedMessageView {
  return { ...toMessageView(message), receipt: message.receipt!, leaseExpiresAt: new Date(message.leaseExpiresAt!).toISOString() };
}

@ApiTags('consumers')
@Controller('queues/:queue/messages')
export class ConsumersController {
  constructor(private readonly consumers: ConsumersService) {}

  @Post('receive')
  @HttpCode(200)
  @Access('message.consume', { queueParam: 'queue' })
  @ApiOperation({ operationId: 'receiveMessages', summary: 'Lease up to maxMessages pending messages in delivery order (long polling with waitSeconds)' })
  @ApiBody({ schema: apiRef('ReceiveRequest'), required: false })
  @ApiOkResponse({ schema: apiRef('ReceiveResult') })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED', schema: apiRef('Error') })
  @ApiConflictResponse({ description: 'QUEUE_HAS_HANDLER: the queue is processed by its handler', schema: apiRef('Error') })
  @ApiTooManyRequestsResponse({
    description:
      'TOO_MANY_LONG_POLLS: waitSeconds > 0 and the subject (LONG_POLL_MAX_PER_SUBJECT) or this replica (LONG_POLL_MAX) holds as many long polls as allowed; see Retry-After',
    schema: apiRef('Error'),
    headers: RETRY_AFTER_HEADER,
  })
  async receive(
    @Param('queue') queue: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ messages: LeasedMessageView[] }> {
    const input = validateInput<ReceiveInput>(receiveBodySchema, body ?? {}, 'VALIDATION_FAILED', 'receive request');
    const aborted = new AbortController();
    const onClose = () => {
      if (!response.writableEnded) aborted.abort();
    };
    response.once('close', onClose);
    try {
      const messages = await this.consumers.receive(queue, input, aborted.signal, principal.subject);
      return { messages: messages.map(leasedView) };
    } finally {
      response.off('close', onClose);
    }
  }

  @Post('ack')
  @HttpCode(200)
  @Access('message.consume', { queueParam: 'queue' })
  @ApiOperation({
    operationId: 'ackMessages',
    summary: 'Acknowledge up to 10 received messages in one request, each answered on its own (SQS DeleteMessageBatch)',
    description:
      'Each entry is an ack as on /messages/{id}/ack (outcome defaults to complete). Answers 200 with the entries that succeeded and those that failed with the code the single ack would answer.',
  })
  @ApiBody({ schema: apiRef('AckBatchRequest') })
  @ApiOkResponse({ schema: apiRef('AckBatchResult') })
  @ApiBadRequestResponse({
    description: 'VALIDATION_FAILED (e.g. more than 10 entries, or one message named twice): nothing was acknowledged',
    schema: apiRef('Error'),
  })
  ackBatch(@Param('queue') queue: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<AckBatchResult> {
    const input = validateInput<AckBatchInput>(ackBatchBodySchema, body ?? null, 'VALIDATION_FAILED', 'batch ack');
    return this.consumers.ackBatch(queue, input, principal);
  }

  @Post(':id/ack')
  @HttpCode(200)
  @Access('message.consume', { queueParam: 'queue' })
  @ApiOperation({
    operationId: 'ackMessage',
    summary: 'Acknowledge a received message: complete, error, return_to_queue, return_to_end_of_queue or send_to_another_queue',
  })
  @ApiNotFoundResponse(apiError('MESSAGE_NOT_FOUND: no message with this id in the queue'))
  @ApiBody({ schema: apiRef('AckRequest') })
  @ApiOkResponse({ schema: apiRef('Message'), description: 'the message after the outcome' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED or JSON_TOO_DEEP (result or error deeper than MESSAGE_MAX_DEPTH)', schema: apiRef('Error') })
  @ApiPayloadTooLargeResponse({ description: 'PAYLOAD_TOO_LARGE: error over 16 KiB as JSON, or the body over MESSAGE_MAX_BYTES', schema: apiRef('Error') })
  @ApiConflictResponse({ description: 'RECEIPT_STALE: the lease expired or the message was settled; nothing changed', schema: apiRef('Error') })
  @ApiUnprocessableEntityResponse({
    description: 'MESSAGE_SCHEMA_INVALID: send_to_another_queue and the target queue refuses the message',
    schema: apiRef('SchemaError'),
  })
  async ack(@Param('queue') queue: string, @Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<MessageView> {
    const input = validateInput<AckInput>(ackBodySchema, body ?? null, 'VALIDATION_FAILED', 'ack');
    return toMessageView(await this.consumers.ack(queue, id, input, principal));
  }

  @Post(':id/lease')
  @HttpCode(200)
  @Access('message.consume', { queueParam: 'queue' })
  @ApiOperation({ operationId: 'extendLease', summary: 'Extend (or shorten) a lease: it now ends visibilityTimeoutSeconds from now' })
  @ApiNotFoundResponse(apiError('MESSAGE_NOT_FOUND: no message with this id in the queue'))
  @ApiBody({ schema: apiRef('LeaseRequest') })
  @ApiOkResponse({ schema: apiRef('LeasedMessage') })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED', schema: apiRef('Error') })
  @ApiConflictResponse({ description: 'RECEIPT_STALE', schema: apiRef('Error') })
  async lease(@Param('queue') queue: string, @Param('id') id: string, @Body() body: unknown): Promise<LeasedMessageView> {
    const input = validateInput<LeaseInput>(leaseBodySchema, body ?? null, 'VALIDATION_FAILED', 'lease');
    return leasedView(await this.consumers.lease(queue, id, input.receipt, input.visibilityTimeoutSeconds));
  }
}
