import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiOkResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { apiRef } from '@app/common/api-schemas';
import { queryInt } from '@app/common/json-validation';
import { Access } from '@app/security/access.decorator';
import { QueuesService, type QueueStatsView, type QueueView } from '@app/queues/queues.service';
import type { Page } from '@app/storage/ports/message.store';

@ApiTags('queues')
@Controller('queues')
export class QueuesController {
  constructor(private readonly queues: QueuesService) {}

  @Get()
  @Access('catalog.read')
  @ApiOperation({ operationId: 'listQueues', summary: 'List queues (file-defined and API-created)' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } })
  @ApiQuery({ name: 'cursor', required: false, schema: { type: 'string' } })
  @ApiOkResponse({ schema: apiRef('QueueList') })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED or INVALID_CURSOR', schema: apiRef('Error') })
  list(@Query('limit') limit?: string, @Query('cursor') cursor?: string): Page<QueueView> {
    return this.queues.list(queryInt(limit, 'limit', 100, 1, 1000), cursor || null);
  }

  @Post()
  @Access('catalog.write')
  @ApiOperation({ operationId: 'createQueue', summary: 'Create a queue' })
  @ApiBody({ schema: apiRef('QueueDefinition') })
  @ApiCreatedResponse({ schema: apiRef('Queue') })
  @ApiBadRequestResponse({
    description:
      'INVALID_QUEUE_DEFINITION, RESERVED_NAME, SCHEMA_TOO_COMPLEX (SCHEMA_MAX_BYTES, SCHEMA_MAX_DEPTH, SCHEMA_MAX_PATTERNS), SCHEMA_PATTERN_UNSUPPORTED (backreferences, lookaround), JSON_TOO_DEEP, STORAGE_ENGINE_NOT_ALLOWED, INVALID_CONNECTION_STRING, PLACEHOLDER_NOT_ALLOWED, SQL_HOST_NOT_ALLOWED, SQL_POOL_SIZE_TOO_LARGE, CONNECTION_FAILED',
    schema: apiRef('Error'),
  })
  @ApiConflictResponse({ description: 'NAME_TAKEN, SQL_POOL_LIMIT_REACHED', schema: apiRef('Error') })
  create(@Body() body: unknown): Promise<QueueView> {
    return this.queues.create(body);
  }

  @Get(':queue')
  @Access('catalog.read', { queueParam: 'queue' })
  @ApiOperation({ operationId: 'getQueue', summary: 'Read a queue definition (passwords shown as ***)' })
  @ApiOkResponse({ schema: apiRef('Queue') })
  get(@Param('queue') queue: string): QueueView {
    return this.queues.get(queue);
  }

  @Put(':queue')
  @Access('catalog.write', { queueParam: 'queue' })
  @ApiOperation({ operationId: 'replaceQueue', summary: 'Replace a queue definition' })
  @ApiBody({ schema: apiRef('QueueDefinition') })
  @ApiOkResponse({ schema: apiRef('Queue') })
  @ApiBadRequestResponse({
    description:
      'INVALID_QUEUE_DEFINITION, RESERVED_NAME, SCHEMA_TOO_COMPLEX (SCHEMA_MAX_BYTES, SCHEMA_MAX_DEPTH, SCHEMA_MAX_PATTERNS), SCHEMA_PATTERN_UNSUPPORTED (backreferences, lookaround), JSON_TOO_DEEP, STORAGE_ENGINE_NOT_ALLOWED, INVALID_CONNECTION_STRING, PLACEHOLDER_NOT_ALLOWED, SQL_HOST_NOT_ALLOWED, SQL_POOL_SIZE_TOO_LARGE, CONNECTION_FAILED',
    schema: apiRef('Error'),
  })
  @ApiConflictResponse({ description: 'MANAGED_BY_CONFIG, SQL_POOL_LIMIT_REACHED', schema: apiRef('Error') })
  replace(@Param('queue') queue: string, @Body() body: unknown): Promise<QueueView> {
    return this.queues.replace(queue, body);
  }

  @Delete(':queue')
  @HttpCode(204)
  @Access('catalog.write', { queueParam: 'queue' })
  @ApiOperation({ operationId: 'deleteQueue', summary: 'Delete a queue with its messages, bindings and grants' })
  @ApiNoContentResponse()
  @ApiConflictResponse({ description: 'MANAGED_BY_CONFIG', schema: apiRef('Error') })
  delete(@Param('queue') queue: string): Promise<void> {
    return this.queues.delete(queue);
  }

  @Get(':queue/stats')
  @Access('catalog.read', { queueParam: 'queue' })
  @ApiOperation({ operationId: 'getQueueStats', summary: 'Message counts by status and the age of the oldest pending message' })
  @ApiOkResponse({ schema: apiRef('Stats') })
  @ApiServiceUnavailableResponse({
    description: "STORAGE_UNAVAILABLE: the queue's storage does not answer (details.storage: {available, since}; Retry-After)",
    schema: apiRef('Error'),
  })
  stats(@Param('queue') queue: string): Promise<QueueStatsView> {
    return this.queues.stats(queue);
  }
}
