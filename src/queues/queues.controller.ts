import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiConflictResponse, ApiOkResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOperation, ApiQuery, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { errorResponseSchema } from '@app/common/api-schemas';
import { queryInt } from '@app/common/json-validation';
import { Access } from '@app/security/access.decorator';
import { QueuesService, type QueueStatsView, type QueueView } from '@app/queues/queues.service';
import { queueDefinitionInputSchema, queueListSchema, queueStatsSchema, queueViewSchema } from '@app/queues/queue.schemas';
import type { Page } from '@app/storage/ports/message.store';

@ApiTags('queues')
@Controller('queues')
export class QueuesController {
  constructor(private readonly queues: QueuesService) {}

  @Get()
  @Access('catalog.read')
  @ApiOperation({ summary: 'List queues (file-defined and API-created)' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } })
  @ApiQuery({ name: 'cursor', required: false, schema: { type: 'string' } })
  @ApiOkResponse({ schema: queueListSchema })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED or INVALID_CURSOR', schema: errorResponseSchema })
  list(@Query('limit') limit?: string, @Query('cursor') cursor?: string): Page<QueueView> {
    return this.queues.list(queryInt(limit, 'limit', 100, 1, 1000), cursor || null);
  }

  @Post()
  @Access('catalog.write')
  @ApiOperation({ summary: 'Create a queue' })
  @ApiBody({ schema: queueDefinitionInputSchema })
  @ApiCreatedResponse({ schema: queueViewSchema })
  @ApiBadRequestResponse({ description: 'INVALID_QUEUE_DEFINITION, RESERVED_NAME, SCHEMA_TOO_COMPLEX (SCHEMA_MAX_BYTES, SCHEMA_MAX_DEPTH, SCHEMA_MAX_PATTERNS), SCHEMA_PATTERN_UNSUPPORTED (backreferences, lookaround), JSON_TOO_DEEP, STORAGE_ENGINE_NOT_ALLOWED, INVALID_CONNECTION_STRING, PLACEHOLDER_NOT_ALLOWED, SQL_HOST_NOT_ALLOWED, SQL_POOL_SIZE_TOO_LARGE, CONNECTION_FAILED', schema: errorResponseSchema })
  @ApiConflictResponse({ description: 'NAME_TAKEN, SQL_POOL_LIMIT_REACHED', schema: errorResponseSchema })
  create(@Body() body: unknown): Promise<QueueView> {
    return this.queues.create(body);
  }

  @Get(':queue')
  @Access('catalog.read', { queueParam: 'queue' })
  @ApiOperation({ summary: 'Read a queue definition (passwords shown as ***)' })
  @ApiOkResponse({ schema: queueViewSchema })
  get(@Param('queue') queue: string): QueueView {
    return this.queues.get(queue);
  }

  @Put(':queue')
  @Access('catalog.write', { queueParam: 'queue' })
  @ApiOperation({ summary: 'Replace a queue definition' })
  @ApiBody({ schema: queueDefinitionInputSchema })
  @ApiOkResponse({ schema: queueViewSchema })
  @ApiBadRequestResponse({ description: 'INVALID_QUEUE_DEFINITION, RESERVED_NAME, SCHEMA_TOO_COMPLEX (SCHEMA_MAX_BYTES, SCHEMA_MAX_DEPTH, SCHEMA_MAX_PATTERNS), SCHEMA_PATTERN_UNSUPPORTED (backreferences, lookaround), JSON_TOO_DEEP, STORAGE_ENGINE_NOT_ALLOWED, INVALID_CONNECTION_STRING, PLACEHOLDER_NOT_ALLOWED, SQL_HOST_NOT_ALLOWED, SQL_POOL_SIZE_TOO_LARGE, CONNECTION_FAILED', schema: errorResponseSchema })
  @ApiConflictResponse({ description: 'MANAGED_BY_CONFIG, SQL_POOL_LIMIT_REACHED', schema: errorResponseSchema })
  replace(@Param('queue') queue: string, @Body() body: unknown): Promise<QueueView> {
    return this.queues.replace(queue, body);
  }

  @Delete(':queue')
  @HttpCode(204)
  @Access('catalog.write', { queueParam: 'queue' })
  @ApiOperation({ summary: 'Delete a queue with its messages, bindings and grants' })
  @ApiNoContentResponse()
  @ApiConflictResponse({ description: 'MANAGED_BY_CONFIG', schema: errorResponseSchema })
  delete(@Param('queue') queue: string): Promise<void> {
    return this.queues.delete(queue);
  }

  @Get(':queue/stats')
  @Access('catalog.read', { queueParam: 'queue' })
  @ApiOperation({ summary: 'Message counts by status and the age of the oldest pending message' })
  @ApiOkResponse({ schema: queueStatsSchema })
  @ApiServiceUnavailableResponse({ description: "STORAGE_UNAVAILABLE: the queue's storage does not answer (details.storage: {available, since}; Retry-After)", schema: errorResponseSchema })
  stats(@Param('queue') queue: string): Promise<QueueStatsView> {
    return this.queues.stats(queue);
  }
}
