import { Injectable } from '@nestjs/common';
import { Clock } from '@app/common/clock';
import { DomainError, type ErrorCode } from '@app/common/domain-error';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';
import type { QueueDefinition } from '@app/domain/queue';
import type { NewMessage, StoredMessage } from '@app/domain/message';
import { QueueRegistry } from '@app/queues/queue-registry.service';
import { QueuesService } from '@app/queues/queues.service';
import { NAME_PATTERN } from '@app/queues/queue.schemas';
import { isFifo, MessagesService } from '@app/messages/messages.service';
import { contentDeduplicationId, storedIdempotencyKey } from '@app/messages/idempotency-key';
import { ConsumersService } from '@app/messages/consumers/consumers.service';
import { DeliveryService } from '@app/messages/delivery.service';
import { QueueOperationsService } from '@app/messages/queue-operations.service';
import { MAX_PURGE_PER_REQUEST } from '@app/messages/queue-operations.schemas';
import { AccessService } from '@app/security/access.service';
import { MetricsService } from '@app/health/metrics.service';
import type { AccessAction } from '@app/security/access-rules';
import type { Principal } from '@app/security/principal';
import { SqsError, sqsErrorFor } from '@app/sqs/sqs-error';
import {
  assertValidBody,
  fromStoredRequest,
  md5Hex,
  md5OfAttributes,
  selectAttributes,
  toStoredRequest,
  validateAttributes,
  type SqsMessageAttributes,
} from '@app/sqs/sqs-message-codec';
import { decodeReceiptHandle, encodeReceiptHandle } from '@app/sqs/receipt-handle';
import { ReceiveAttempts } from '@app/sqs/receive-attempts';

export interface SqsCall {
  principal: Principal;
  /** scheme-less origin for queue URLs, e.g. localhost:9324 */
  host: string;
  /** the request path, for Query-protocol calls sent to the queue URL */
  path: string;
  signal: AbortSignal;
}

type Input = Record<string, unknown>;
type Output = Record<string, unknown> | null;

const MAX_BATCH = 10;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
const NAME = new RegExp(NAME_PATTERN);
/** SQS's largest maxReceiveCount, and Mailroom's largest maxReceives */
const MAX_RECEIVE_COUNT = 1000;
const MAX_VISIBILITY = 43_200;
const FIFO_ATTRIBUTES = ['FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit'];
/** SQS: 1 to 128 visible ASCII characters (MessageGroupId, MessageDeduplicationId, ReceiveRequestAttemptId) */
const FIFO_ID = /^[\x21-\x7e]{1,128}$/;
const STANDARD_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/;
/** accepted so existing tooling works, not stored: Mailroom has no per-queue encryption or IAM policy */
const IGNORED_ATTRIBUTES = ['KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled', 'Policy', 'RedriveAllowPolicy', 'MaximumMessageSize'];
const SETTABLE_ATTRIBUTES = ['VisibilityTimeout', 'DelaySeconds', 'MessageRetentionPeriod', 'ReceiveMessageWaitTimeSeconds', 'RedrivePolicy'];
const READABLE_ATTRIBUTES = [
  ...SETTABLE_ATTRIBUTES,
  'MaximumMessageSize',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'QueueArn',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'SqsManagedSseEnabled',
];
const SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'MessageGroupId',
  'SequenceNumber',
  'MessageDeduplicationId',
];

function text(input: Input, name: string, required: true): string;
function text(input: Input, name: string, required?: false): string | undefined;
function text(input: Input, name: string, required = false): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) {
    if (required) throw new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);
    return undefined;
  }
  if (typeof value !== 'string') throw new SqsError('InvalidParameterValue', `Value for parameter ${name} must be a string.`);
  return value;
}

function int(input: Input, name: string, min: number, max: number, fallback?: number): number {
  const value = input[name];
  if (value === undefined || value === null || value === '') {
    if (fallback === undefined) throw new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);
    return fallback;
  }
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d{1,10}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new SqsError(
      'InvalidParameterValue',
      `Value ${String(value).slice(0, 40)} for parameter ${name} is invalid. Reason: must be between ${min} and ${max}.`,
    );
  }
  return number;
}

function strings(input: Input, name: string): string[] {
  const value = input[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new SqsError('InvalidParameterValue', `${name} must be a list of strings.`);
  return value as string[];
}

function stringMap(input: Input, name: string): Record<string, string> {
  const value = input[name];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new SqsError('InvalidParameterValue', `${name} must be a map of names to values.`);
  const out: Array<[string, string]> = [];
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      throw new SqsError('InvalidAttributeValue', `Value of ${name}.${key} must be a string.`);
    out.push([key, String(v)]);
  }
  // fromEntries keeps a key such as "__proto__" as a plain key, to be refused by name later
  return Object.fromEntries(out);
}

function entries(input: Input): Input[] {
  const value = input.Entries;
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
    throw new SqsError('EmptyBatchRequest', 'There should be at least one entry in the request.');
  }
  if (!Array.isArray(value) || value.some((e) => !e || typeof e !== 'object' || Array.isArray(e)))
    throw new SqsError('InvalidParameterValue', 'Entries must be a list of objects.');
  if (value.length > MAX_BATCH)
    throw new SqsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_BATCH}. You have sent ${value.length}.`);
  const ids = new Set<string>();
  for (const entry of value as Input[]) {
    const id = entry.Id;
    if (typeof id !== 'string' || !BATCH_ENTRY_ID.test(id)) {
      throw new SqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (ids.has(id)) throw new SqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    ids.add(id);
  }
  return value as Input[];
}

function failure(id: string, error: unknown): Record<string, unknown> {
  const sqs = error instanceof SqsError ? error : error instanceof DomainError ? sqsErrorFor(error) : null;
  if (!sqs) throw error;
  return { Id: id, SenderFault: sqs.fault === 'Sender', Code: sqs.type, Message: sqs.message };
}

function fifoId(input: Input, name: string): string | undefined {
  const value = text(input, name);
  if (value !== undefined && !FIFO_ID.test(value)) {
    throw new SqsError('InvalidParameterValue', `Value for parameter ${name} is invalid. Reason: it must be 1 to 128 visible ASCII characters.`);
  }
  return value;
}

function boolAttribute(name: string, value: string): boolean {
  if (value !== 'true' && value !== 'false') throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}: must be true or false.`);
  return value === 'true';
}

/** The SQS actions, each mapped onto Mailroom's queues, messages, consumers and permissions. */
@Injectable()
export class SqsService {
  private readonly actions: Record<string, (input: Input, call: SqsCall) => Promise<Output>> = {
    CreateQueue: (i, c) => this.createQueue(i, c),
    GetQueueUrl: (i, c) => this.getQueueUrl(i, c),
    ListQueues: (i, c) => this.listQueues(i, c),
    DeleteQueue: (i, c) => this.deleteQueue(i, c),
    PurgeQueue: (i, c) => this.purgeQueue(i, c),
    GetQueueAttributes: (i, c) => this.getQueueAttributes(i, c),
    SetQueueAttributes: (i, c) => this.setQueueAttributes(i, c),
    SendMessage: (i, c) => this.sendMessage(i, c),
    SendMessageBatch: (i, c) => this.sendMessageBatch(i, c),
    ReceiveMessage: (i, c) => this.receiveMessage(i, c),
    DeleteMessage: (i, c) => this.deleteMessage(i, c),
    DeleteMessageBatch: (i, c) => this.deleteMessageBatch(i, c),
    ChangeMessageVisibility: (i, c) => this.changeVisibility(i, c),
    ChangeMessageVisibilityBatch: (i, c) => this.changeVisibilityBatch(i, c),
    ListDeadLetterSourceQueues: (i, c) => this.listDeadLetterSourceQueues(i, c),
    TagQueue: (i, c) => this.tagQueue(i, c),
    UntagQueue: (i, c) => this.untagQueue(i, c),
    ListQueueTags: (i, c) => this.listQueueTags(i, c),
  };

  constructor(
    private readonly registry: QueueRegistry,
    private readonly queues: QueuesService,
    private readonly messages: MessagesService,
    private readonly consumers: ConsumersService,
    private readonly delivery: DeliveryService,
    private readonly operations: QueueOperationsService,
    private readonly access: AccessService,
    private readonly metrics: MetricsService,
    @InjectConfig() private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.attempts = new ReceiveAttempts(() => this.clock.now());
  }

  private readonly attempts: ReceiveAttempts;

  /** Runs an action; domain errors come back as SQS errors. */
  async handle(action: string, input: Input, call: SqsCall): Promise<Output> {
    const run = Object.hasOwn(this.actions, action) ? this.actions[action] : undefined;
    if (!run) {
      if (/^(StartMessageMoveTask|CancelMessageMoveTask|ListMessageMoveTasks|AddPermission|RemovePermission)$/.test(action)) {
        throw new SqsError('UnsupportedOperation', `${action} is not supported by Mailroom's SQS endpoint (see docs/sqs.md).`);
      }
      throw new SqsError('InvalidAction', `The action ${action.slice(0, 100) || '(none)'} is not valid for this endpoint.`);
    }
    try {
      return await run(input, call);
    } catch (error) {
      if (error instanceof DomainError) throw sqsErrorFor(error);
      throw error;
    }
  }

  queueUrl(host: string, name: string): string {
    return `http://${host}/${this.config.sqs.accountId}/${encodeURIComponent(name)}`;
  }

  private arn(name: string): string {
    return `arn:aws:sqs:${this.config.sqs.region}:${this.config.sqs.accountId}:${name}`;
  }

  /** The queue a call names by QueueUrl (or, in the Query protocol, by the path it was sent to). */
  private queueName(input: Input, call: SqsCall): string {
    const url = text(input, 'QueueUrl');
    let path: string;
    if (url !== undefined) {
      try {
        path = new URL(url, 'http://localhost').pathname;
      } catch {
        throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
      }
    } else if (/^\/\d{12}\/[^/]+$/.test(call.path)) {
      path = call.path;
    } else {
      throw new SqsError('MissingParameter', 'The request must contain the parameter QueueUrl.');
    }
    const match = /^\/(\d{12})\/([^/]+)\/?$/.exec(path);
    let name: string | null;
    try {
      name = match && match[1] === this.config.sqs.accountId ? decodeURIComponent(match[2]) : null;
    } catch {
      name = null;
    }
    if (name === null || !this.registry.get(name)) throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    return name;
  }

  private definition(name: string): QueueDefinition {
    return this.registry.require(name).definition;
  }

  private async assertAny(principal: Principal, actions: AccessAction[], queue?: QueueDefinition): Promise<void> {
    for (const action of actions) if (await this.access.can(principal, action, queue ? { queue } : {})) return;
    throw new SqsError('AccessDenied', `Access to the resource ${queue ? this.arn(queue.name) : 'catalog'} is denied (needs ${actions.join(' or ')}).`);
  }

  private async createQueue(input: Input, call: SqsCall): Promise<Output> {
    const name = text(input, 'QueueName', true);
    const attributes = stringMap(input, 'Attributes');
    const tags = { ...stringMap(input, 'tags'), ...stringMap(input, 'Tags') };
    const fifo = attributes.FifoQueue !== undefined && boolAttribute('FifoQueue', attributes.FifoQueue);
    if (fifo && !FIFO_NAME.test(name)) {
      throw new SqsError(
        'InvalidParameterValue',
        'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.',
      );
    }
    if (!fifo && (!STANDARD_NAME.test(name) || !NAME.test(name))) {
      throw new SqsError(
        'InvalidParameterValue',
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length (a name ending .fifo needs the attribute FifoQueue=true).',
      );
    }
    await this.assertAny(call.principal, ['catalog.write']);
    const existing = this.registry.get(name);
    if (existing) {
      if (isFifo(existing.definition) !== fifo)
        throw new SqsError('QueueNameExists', `A queue already exists with the same name and a different value for attribute FifoQueue`);
      const wanted = this.applyAttributes(existing.definition, attributes);
      const current = this.attributeValues(existing.definition);
      const differs = Object.keys(attributes)
        .filter((key) => SETTABLE_ATTRIBUTES.includes(key) || FIFO_ATTRIBUTES.includes(key))
        .some((key) => (this.attributeValues(wanted)[key] ?? '') !== (current[key] ?? ''));
      if (differs)
        throw new SqsError(
          'QueueNameExists',
          `A queue already exists with the same name and a different value for attribute(s) ${Object.keys(attributes).join(', ')}`,
        );
      return { QueueUrl: this.queueUrl(call.host, name) };
    }
    // the storage engine is Mailroom's default for new queues (STORAGE_ENGINES, DATABASE_URL)
    const base = {
      name,
      delivery: { visibilityTimeoutSeconds: 30, maxReceives: 0, deadLetterQueue: null },
      retention: { processedMinutes: 1, allHours: 96 },
      sqs: { delaySeconds: 0, receiveMessageWaitTimeSeconds: 0, tags },
      ordering: { mode: fifo ? 'fifo' : 'standard', contentBasedDeduplication: false, deduplicationWindowSeconds: 300 },
    };
    const body = this.applyAttributes(base as unknown as QueueDefinition, attributes);
    await this.queues.create(body);
    return { QueueUrl: this.queueUrl(call.host, name) };
  }

  /** A definition with SQS attributes applied (not stored); throws InvalidAttributeName/Value. */
  private applyAttributes(definition: QueueDefinition, attributes: Record<string, string>): QueueDefinition {
    const next = structuredClone(definition);
    next.sqs = { delaySeconds: 0, receiveMessageWaitTimeSeconds: 0, tags: {}, ...next.sqs };
    for (const [name, value] of Object.entries(attributes)) {
      const attr = { [name]: value };
      switch (name) {
        case 'VisibilityTimeout':
          next.delivery.visibilityTimeoutSeconds = this.attributeInt(attr, name, 1, MAX_VISIBILITY);
          break;
        case 'DelaySeconds':
          next.sqs.delaySeconds = this.attributeInt(attr, name, 0, 900);
          break;
        case 'ReceiveMessageWaitTimeSeconds':
          next.sqs.receiveMessageWaitTimeSeconds = this.attributeInt(attr, name, 0, 20);
          break;
        case 'MessageRetentionPeriod':
          next.retention.allHours = Math.ceil(this.attributeInt(attr, name, 60, 1_209_600) / 3600);
          break;
        case 'RedrivePolicy':
          this.applyRedrive(next, value);
          break;
        default:
          if (FIFO_ATTRIBUTES.includes(name)) this.applyFifoAttribute(next, name, value);
          else if (!IGNORED_ATTRIBUTES.includes(name)) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name.slice(0, 100)}.`);
      }
    }
    if (isFifo(next) && next.sqs.delaySeconds > 0) {
      throw new SqsError(
        'InvalidAttributeValue',
        'Invalid value for the parameter DelaySeconds: Mailroom FIFO queues cannot delay messages (a delayed message would hold its group); use 0.',
      );
    }
    return next;
  }

  /** FifoQueue cannot change; DeduplicationScope and FifoThroughputLimit take SQS's defaults only (see docs/sqs.md). */
  private applyFifoAttribute(next: QueueDefinition, name: string, value: string): void {
    if (name === 'FifoQueue') {
      if (boolAttribute(name, value) !== isFifo(next))
        throw new SqsError('InvalidAttributeValue', 'Invalid value for the parameter FifoQueue: a queue cannot change between standard and FIFO.');
      return;
    }
    if (!isFifo(next)) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}: it is for FIFO queues only.`);
    if (name === 'ContentBasedDeduplication') {
      next.ordering = { ...next.ordering, contentBasedDeduplication: boolAttribute(name, value) };
      return;
    }
    const only = name === 'DeduplicationScope' ? 'queue' : 'perQueue';
    if (value !== only) {
      throw new SqsError(
        'InvalidAttributeValue',
        `Invalid value for the parameter ${name}: Mailroom supports only ${only} (deduplication per queue, no high-throughput FIFO mode).`,
      );
    }
  }

  private attributeInt(attributes: Record<string, string>, name: string, min: number, max: number): number {
    try {
      return int(attributes, name, min, max);
    } catch {
      throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}: must be a whole number from ${min} to ${max}.`);
    }
  }

  private applyRedrive(definition: QueueDefinition, value: string): void {
    if (value === '' || value === '{}') {
      definition.delivery.deadLetterQueue = null;
      definition.delivery.maxReceives = 0;
      return;
    }
    const invalid = (reason: string) =>
      new SqsError('InvalidParameterValue', `Value ${value.slice(0, 300)} for parameter RedrivePolicy is invalid. Reason: ${reason}`);
    let policy: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    try {
      policy = JSON.parse(value) as typeof policy;
    } catch {
      throw invalid('Redrive policy is not a valid JSON map.');
    }
    if (!policy || typeof policy !== 'object') throw invalid('Redrive policy is not a valid JSON map.');
    const arn = policy.deadLetterTargetArn;
    const match = typeof arn === 'string' ? /^arn:aws:sqs:[^:]*:(\d{12}):([^:]+)$/.exec(arn) : null;
    if (!match || match[1] !== this.config.sqs.accountId) throw invalid('Invalid deadLetterTargetArn.');
    if (!this.registry.get(match[2])) throw invalid('Dead letter target does not exist.');
    if (match[2] === definition.name) throw invalid('A queue cannot be its own dead-letter queue.');
    const count = Number(policy.maxReceiveCount);
    if (!Number.isInteger(count) || count < 1 || count > MAX_RECEIVE_COUNT)
      throw invalid(`maxReceiveCount must be a whole number from 1 to ${MAX_RECEIVE_COUNT}.`);
    definition.delivery.deadLetterQueue = match[2];
    definition.delivery.maxReceives = count;
  }

  /** The settable attributes of a definition, as SQS spells them. */
  private attributeValues(definition: QueueDefinition): Record<string, string> {
    const values: Record<string, string> = {
      VisibilityTimeout: String(definition.delivery.visibilityTimeoutSeconds),
      DelaySeconds: String(definition.sqs?.delaySeconds ?? 0),
      MessageRetentionPeriod: String(definition.retention.allHours * 3600),
      ReceiveMessageWaitTimeSeconds: String(definition.sqs?.receiveMessageWaitTimeSeconds ?? 0),
    };
    const maxReceives = definition.delivery.maxReceives ?? 0;
    if (definition.delivery.deadLetterQueue && maxReceives > 0) {
      values.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: this.arn(definition.delivery.deadLetterQueue), maxReceiveCount: maxReceives });
    }
    if (isFifo(definition)) {
      values.FifoQueue = 'true';
      values.ContentBasedDeduplication = String(definition.ordering.contentBasedDeduplication);
      values.DeduplicationScope = 'queue';
      values.FifoThroughputLimit = 'perQueue';
    }
    return values;
  }

  private async getQueueUrl(input: Input, call: SqsCall): Promise<Output> {
    const name = text(input, 'QueueName', true);
    const owner = text(input, 'QueueOwnerAWSAccountId');
    const entry = this.registry.get(name);
    if (!entry || (owner !== undefined && owner !== this.config.sqs.accountId)) throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    await this.assertAny(call.principal, ['catalog.read', 'message.write', 'message.consume'], entry.definition);
    return { QueueUrl: this.queueUrl(call.host, name) };
  }

  private async listQueues(input: Input, call: SqsCall): Promise<Output> {
    const prefix = text(input, 'QueueNamePrefix') ?? '';
    const max = int(input, 'MaxResults', 1, 1000, 1000);
    const token = text(input, 'NextToken');
    let after = '';
    if (token !== undefined) {
      after = Buffer.from(token, 'base64url').toString('utf8');
      if (!NAME.test(after)) throw new SqsError('InvalidParameterValue', 'Invalid NextToken.');
    }
    const all = await this.access.can(call.principal, 'catalog.read');
    const names: string[] = [];
    let more = false;
    for (const entry of this.registry.list()) {
      const name = entry.definition.name;
      if (!name.startsWith(prefix) || name <= after) continue;
      if (
        !all &&
        !(await this.access.can(call.principal, 'message.write', { queue: entry.definition })) &&
        !(await this.access.can(call.principal, 'message.consume', { queue: entry.definition }))
      )
        continue;
      if (names.length === max) {
        more = true;
        break;
      }
      names.push(name);
    }
    const output: Record<string, unknown> = { QueueUrls: names.map((name) => this.queueUrl(call.host, name)) };
    if (more && input.MaxResults !== undefined) output.NextToken = Buffer.from(names[names.length - 1]).toString('base64url');
    return output;
  }

  private async deleteQueue(input: Input, call: SqsCall): Promise<Output> {
    const name = this.queueName(input, call);
    await this.assertAny(call.principal, ['catalog.write']);
    await this.queues.delete(name);
    return null;
  }

  private async purgeQueue(input: Input, call: SqsCall): Promise<Output> {
    const name = this.queueName(input, call);
    const definition = this.definition(name);
    await this.assertAny(call.principal, ['queue.admin'], definition);
    // every message goes, leased ones included, as on SQS; each round deletes a bounded chunk and yields
    for (;;) {
      const { done } = await this.operations.purge(name, { maxMessages: MAX_PURGE_PER_REQUEST }, call.principal);
      if (done) return null;
    }
  }

  private async getQueueAttributes(input: Input, call: SqsCall): Promise<Output> {
    const name = this.queueName(input, call);
    const definition = this.definition(name);
    await this.assertAny(call.principal, ['catalog.read', 'message.write', 'message.consume'], definition);
    const requested = strings(input, 'AttributeNames');
    for (const attribute of requested) {
      if (attribute !== 'All' && !READABLE_ATTRIBUTES.includes(attribute) && !FIFO_ATTRIBUTES.includes(attribute))
        throw new SqsError('InvalidAttributeName', `Unknown Attribute ${attribute.slice(0, 100)}.`);
    }
    if (!requested.length) return {};
    const wanted = requested.includes('All') ? [...READABLE_ATTRIBUTES, ...FIFO_ATTRIBUTES] : requested;
    const values: Record<string, string> = {
      ...this.attributeValues(definition),
      MaximumMessageSize: String(this.config.messageMaxBytes),
      QueueArn: this.arn(name),
      CreatedTimestamp: String(Math.floor(definition.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(definition.updatedAt / 1000)),
      SqsManagedSseEnabled: 'false',
    };
    if (wanted.some((a) => a.startsWith('Approximate'))) {
      const stats = await this.queues.stats(name);
      values.ApproximateNumberOfMessages = String(stats.counts.PENDING);
      values.ApproximateNumberOfMessagesNotVisible = String(stats.counts.INPROGRESS);
      values.ApproximateNumberOfMessagesDelayed = '0';
    }
    const attributes: Record<string, string> = {};
    for (const attribute of wanted) if (values[attribute] !== undefined) attributes[attribute] = values[attribute];
    return Object.keys(attributes).length ? { Attributes: attributes } : {};
  }

  private async setQueueAttributes(input: Input, call: SqsCall): Promise<Output> {
    const name = this.queueName(input, call);
    const attributes = stringMap(input, 'Attributes');
    await this.assertAny(call.principal, ['catalog.write']);
    await this.replace(name, (definition) => this.applyAttributes(definition, attributes));
    return null;
  }

  private async replace(name: string, change: (definition: QueueDefinition) => QueueDefinition): Promise<void> {
    const { createdAt: _createdAt, updatedAt: _updatedAt, ...definition } = change(this.definition(name));
    await this.queues.replace(name, definition);
  }

  private async tagQueue(input: Input, call: SqsCall): Promise<Output> {
    const name = this.queueName(input, call);
    const tags = { ...stringMap(input, 'Tags'), ...stringMap(input, 'tags') };
    await this.assertAny(call.principal, ['catalog.write']);
    await this.replace(name, (definition) => {
      const sqs = { delaySeconds: 0, receiveMessageWaitTimeSeconds: 0, tags: {}, ...definition.sqs };
      const merged = { ...sqs.tags, ...tags };
      if (Object.keys(merged).length > 50) throw new SqsError('InvalidParameterValue', 'A queue can have at most 50 tags.');
      return { ...definition, sqs: { ...sqs, tags: merged } };
    });
    return null;
  }

  private async untagQueue(input: Input, call: SqsCall): Promise<Output> {
    const name = this.queueName(input, call);
    const keys = strings(input, 'TagKeys');
    await this.assertAny(call.principal, ['catalog.write']);
    await this.replace(name, (definition) => {
      const sqs = { delaySeconds: 0, receiveMessageWaitTimeSeconds: 0, tags: {}, ...definition.sqs };
      const tags = Object.fromEntries(Object.entries(sqs.tags).filter(([key]) => !keys.includes(key)));
      return { ...definition, sqs: { ...sqs, tags } };
    });
    return null;
  }

  private async listQueueTags(input: Input, call: SqsCall): Promise<Output> {
    const name = this.queueName(input, call);
    const definition = this.definition(name);
    await this.assertAny(call.principal, ['catalog.read', 'message.write', 'message.consume'], definition);
    const tags = definition.sqs?.tags ?? {};
    return Object.keys(tags).length ? { Tags: tags } : {};
  }

  private async listDeadLetterSourceQueues(input: Input, call: SqsCall): Promise<Output> {
    const name = this.queueName(input, call);
    await this.assertAny(call.principal, ['catalog.read']);
    const sources = this.registry
      .list()
      .filter((entry) => entry.definition.delivery.deadLetterQueue === name)
      .map((entry) => this.queueUrl(call.host, entry.definition.name));
    return { queueUrls: sources };
  }

  /** Checks one message to send and builds its record; throws SQS errors. */
  private prepareSend(
    definition: QueueDefinition,
    entry: Input,
    principal: Principal,
    label: string,
  ): { record: NewMessage; body: string; attributes: SqsMessageAttributes } {
    const body = assertValidBody(entry.MessageBody, label);
    const { attributes, bytes } = validateAttributes(entry.MessageAttributes);
    const size = Buffer.byteLength(body) + bytes;
    if (size > this.config.messageMaxBytes) {
      throw new SqsError(
        'InvalidParameterValue',
        `One or more parameters are invalid. Reason: Message must be shorter than ${this.config.messageMaxBytes} bytes.`,
      );
    }
    const fifo = isFifo(definition);
    const groupId = fifoId(entry, 'MessageGroupId');
    const deduplicationId = fifoId(entry, 'MessageDeduplicationId');
    if (!fifo) {
      for (const [name, value] of [
        ['MessageGroupId', groupId],
        ['MessageDeduplicationId', deduplicationId],
      ]) {
        if (value !== undefined)
          throw new SqsError(
            'InvalidParameterValue',
            `The request include parameter ${name} that is not valid for this queue type (${definition.name} is not a FIFO queue).`,
          );
      }
    }
    if (fifo && groupId === undefined) throw new SqsError('MissingParameter', 'The request must contain the parameter MessageGroupId.');
    if (fifo && entry.DelaySeconds !== undefined && entry.DelaySeconds !== null && int(entry, 'DelaySeconds', 0, 900) !== 0) {
      throw new SqsError(
        'InvalidParameterValue',
        `Value ${String(entry.DelaySeconds).slice(0, 20)} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type (FIFO messages have no delay of their own).`,
      );
    }
    const delaySeconds = fifo ? 0 : int(entry, 'DelaySeconds', 0, 900, definition.sqs?.delaySeconds ?? 0);
    const request = toStoredRequest(definition, body, attributes, label);
    const deduplication = fifo ? this.deduplication(definition, body, attributes, request, deduplicationId) : null;
    const record = this.messages.prepare(this.registry.require(definition.name), request, {
      sentBy: principal.subject,
      principal,
      storedKey: deduplication?.storedKey ?? null,
      delaySeconds,
      groupId: groupId ?? null,
      deduplicationId: deduplication?.id ?? null,
    });
    return { record, body, attributes };
  }

  /**
   * A FIFO message's deduplication id and its stored key: MessageDeduplicationId, else the SHA-256
   * of the body (ContentBasedDeduplication) hashed as the REST API hashes the same body, so both
   * paths deduplicate each other's messages; message attributes do not count, as on SQS.
   */
  private deduplication(
    definition: QueueDefinition,
    body: string,
    attributes: SqsMessageAttributes,
    request: unknown,
    explicit: string | undefined,
  ): { id: string; storedKey: string } {
    let id = explicit;
    if (id === undefined) {
      if (!definition.ordering.contentBasedDeduplication) {
        throw new SqsError(
          'InvalidParameterValue',
          'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
      }
      id = contentDeduplicationId(Object.keys(attributes).length ? toStoredRequest(definition, body, {}) : request);
    }
    return { id, storedKey: storedIdempotencyKey({ kind: 'dedup', queue: definition.name, id }) };
  }

  private sendResult(body: string, attributes: SqsMessageAttributes, stored: StoredMessage): Record<string, unknown> {
    const result: Record<string, unknown> = { MD5OfMessageBody: md5Hex(body), MessageId: stored.id };
    const attributesMd5 = md5OfAttributes(attributes);
    if (attributesMd5) result.MD5OfMessageAttributes = attributesMd5;
    if (stored.groupId !== null) result.SequenceNumber = String(stored.seq);
    return result;
  }

  private async sendMessage(input: Input, call: SqsCall): Promise<Output> {
    const name = this.queueName(input, call);
    const definition = this.definition(name);
    await this.assertAny(call.principal, ['message.write'], definition);
    const { record, body, attributes } = this.prepareSend(definition, input, call.principal, 'MessageBody');
    const [stored] = await this.messages.insertPrepared([record]);
    return this.sendResult(body, attributes, stored.message);
  }

  /** The valid entries are stored with one insert; each entry is answered on its own, as SQS does. */
  private async sendMessageBatch(input: Input, call: SqsCall): Promise<Output> {
    const name = this.queueName(input, call);
    const definition = this.definition(name);
    const list = entries(input);
    await this.assertAny(call.principal, ['message.write'], definition);
    const total = list.reduce((sum, entry) => sum + (typeof entry.MessageBody === 'string' ? Buffer.byteLength(entry.MessageBody) : 0), 0);
    if (total > this.config.messageMaxBytes) {
      throw new SqsError('BatchRequestTooLong', `Batch requests cannot be longer than ${this.config.messageMaxBytes} bytes. You have sent ${total} bytes.`);
    }
    const failed: Record<string, unknown>[] = [];
    const prepared: Array<{ id: string; record: NewMessage; body: string; attributes: SqsMessageAttributes }> = [];
    for (const entry of list) {
      try {
        prepared.push({ id: entry.Id as string, ...this.prepareSend(definition, entry, call.principal, `Entry ${String(entry.Id)} MessageBody`) });
      } catch (error) {
        failed.push(failure(entry.Id as string, error));
      }
    }
    // one deduplication id twice in a batch: the later entries are duplicates of the first
    const firstWithKey = new Map<string, number>();
    const unique: NewMessage[] = [];
    const slot = prepared.map(({ record }) => {
      const key = record.idempotencyKey;
      if (key !== null && firstWithKey.has(key)) return firstWithKey.get(key)!;
      unique.push(record);
      if (key !== null) firstWithKey.set(key, unique.length - 1);
      return unique.length - 1;
    });
    const stored = unique.length ? await this.messages.insertPrepared(unique) : [];
    const successful = prepared.map((p, index) => ({ Id: p.id, ...this.sendResult(p.body, p.attributes, stored[slot[index]].message) }));
    return { Successful: successful, Failed: failed };
  }

  private async receiveMessage(input: Input, call: SqsCall): Promise<Output> {
    const name = this.queueName(input, call);
    const definition = this.definition(name);
    await this.assertAny(call.principal, ['message.consume'], definition);
    const maxMessages = int(input, 'MaxNumberOfMessages', 1, 10, 1);
    const visibility = input.VisibilityTimeout === undefined ? undefined : int(input, 'VisibilityTimeout', 0, MAX_VISIBILITY);
    const waitSeconds = int(input, 'WaitTimeSeconds', 0, 20, definition.sqs?.receiveMessageWaitTimeSeconds ?? 0);
    const systemNames = [...strings(input, 'AttributeNames'), ...strings(input, 'MessageSystemAttributeNames')];
    const attributeNames = strings(input, 'MessageAttributeNames');
    const attemptId = fifoId(input, 'ReceiveRequestAttemptId');
    const subject = call.principal.subject;
    const replayable = attemptId !== undefined && isFifo(definition);
    const replayed = replayable ? await this.replay(name, this.attempts.get(subject, name, attemptId), visibility) : null;
    const claimed = replayed ?? (await this.consumers.receive(name, { maxMessages, waitSeconds, visibilityTimeoutSeconds: visibility }, call.signal, subject));
    if (replayable && !replayed && claimed.length) this.attempts.remember(subject, name, attemptId, claimed);
    return claimed.length ? { Messages: claimed.map((message) => this.received(message, systemNames, attributeNames)) } : {};
  }

  /**
   * A retried FIFO receive (same ReceiveRequestAttemptId within 5 minutes) answers the same
   * messages and receipt handles, their visibility timeout started again, as SQS does, while every
   * one of them is still in flight under that receipt; otherwise (one was deleted, changed or
   * expired) null: the receive runs afresh.
   */
  private async replay(queue: string, earlier: StoredMessage[] | null, visibility: number | undefined): Promise<StoredMessage[] | null> {
    if (!earlier) return null;
    const now = this.clock.now();
    const current = await Promise.all(earlier.map((message) => this.messages.get(queue, message.id).catch(() => null)));
    const unchanged = current.every(
      (message, i) =>
        message?.status === 'INPROGRESS' && message.receipt === earlier[i].receipt && message.leaseExpiresAt !== null && message.leaseExpiresAt > now,
    );
    if (!unchanged) return null;
    const seconds = visibility ?? this.definition(queue).delivery.visibilityTimeoutSeconds;
    if (seconds === 0) return current as StoredMessage[];
    try {
      return await Promise.all(earlier.map((message) => this.consumers.lease(queue, message.id, message.receipt!, seconds)));
    } catch (error) {
      if (error instanceof DomainError && (error.code === 'RECEIPT_STALE' || error.code === 'MESSAGE_NOT_FOUND')) return null;
      throw error;
    }
  }

  private received(message: StoredMessage, systemNames: string[], attributeNames: string[]): Record<string, unknown> {
    const { body, attributes } = fromStoredRequest(message.request);
    const out: Record<string, unknown> = {
      MessageId: message.id,
      ReceiptHandle: encodeReceiptHandle(message.id, message.receipt!),
      MD5OfBody: md5Hex(body),
      Body: body,
    };
    const all = systemNames.includes('All');
    const system: Record<string, string> = {};
    const values: Record<string, string | undefined> = {
      SenderId: message.sentBy ?? this.config.sqs.accountId,
      SentTimestamp: String(message.createdAt),
      ApproximateReceiveCount: String(message.attempts),
      ApproximateFirstReceiveTimestamp: message.attempts === 1 ? String(message.updatedAt) : undefined,
      MessageGroupId: message.groupId ?? undefined,
      SequenceNumber: message.groupId === null ? undefined : String(message.seq),
      MessageDeduplicationId: message.deduplicationId ?? undefined,
    };
    for (const attribute of SYSTEM_ATTRIBUTES)
      if ((all || systemNames.includes(attribute)) && values[attribute] !== undefined) system[attribute] = values[attribute]!;
    if (Object.keys(system).length) out.Attributes = system;
    const selected = selectAttributes(attributes, attributeNames);
    if (Object.keys(selected).length) {
      out.MessageAttributes = selected;
      out.MD5OfMessageAttributes = md5OfAttributes(selected);
    }
    return out;
  }

  /** Deleting a message that is already deleted succeeds, as on SQS. */
  private async alreadyDeleted(name: string, id: string, code: string): Promise<boolean> {
    return code === 'RECEIPT_STALE' && (await this.messages.get(name, id)).status === 'COMPLETE';
  }

  private async deleteMessage(input: Input, call: SqsCall): Promise<Output> {
    const name = this.queueName(input, call);
    await this.assertAny(call.principal, ['message.consume'], this.definition(name));
    if (input.ReceiptHandle === undefined) throw new SqsError('MissingParameter', 'The request must contain the parameter ReceiptHandle.');
    const { id, receipt } = decodeReceiptHandle(input.ReceiptHandle);
    try {
      await this.consumers.ack(name, id, { receipt, outcome: 'complete' }, call.principal);
      this.metrics.recordAcks(name, 'complete');
    } catch (error) {
      if (error instanceof DomainError && (await this.alreadyDeleted(name, id, error.code))) return null;
      throw error;
    }
    return null;
  }

  /** One batch settle in the core (one statement on Postgres); each entry answered on its own. */
  private async deleteMessageBatch(input: Input, call: SqsCall): Promise<Output> {
    const name = this.queueName(input, call);
    const list = entries(input);
    await this.assertAny(call.principal, ['message.consume'], this.definition(name));
    const failed: Record<string, unknown>[] = [];
    const batch: Array<{ entryId: string; id: string; receipt: string }> = [];
    const later: typeof batch = [];
    for (const entry of list) {
      try {
        const { id, receipt } = decodeReceiptHandle(entry.ReceiptHandle);
        (batch.some((b) => b.id === id) ? later : batch).push({ entryId: entry.Id as string, id, receipt });
      } catch (error) {
        failed.push(failure(entry.Id as string, error));
      }
    }
    const done = new Set<string>();
    const settle = async (part: typeof batch): Promise<void> => {
      if (!part.length) return;
      const result = await this.consumers.ackBatch(name, { entries: part.map(({ id, receipt }) => ({ id, receipt, outcome: 'complete' })) }, call.principal);
      const byId = new Map(part.map((p) => [p.id, p]));
      for (const ok of result.successful) done.add(byId.get(ok.id)!.entryId);
      if (result.successful.length) this.metrics.recordAcks(name, 'complete', result.successful.length);
      await Promise.all(
        result.failed.map(async ({ id, code, message }) => {
          const entryId = byId.get(id)!.entryId;
          if (await this.alreadyDeleted(name, id, code)) done.add(entryId);
          else failed.push(failure(entryId, new DomainError(code as ErrorCode, message)));
        }),
      );
    };
    await settle(batch);
    // the same message named twice: its second receipt handle is settled after the first
    for (const entry of later) await settle([entry]);
    const successful = list.filter((e) => done.has(e.Id as string)).map((e) => ({ Id: e.Id }));
    return { Successful: successful, Failed: failed };
  }

  private async changeOne(name: string, handle: unknown, seconds: number): Promise<void> {
    const { id, receipt } = decodeReceiptHandle(handle);
    // 0: visible now, the receive counted (as SQS does, so maxReceiveCount still applies)
    await this.consumers.lease(name, id, receipt, seconds);
  }

  private async changeVisibility(input: Input, call: SqsCall): Promise<Output> {
    const name = this.queueName(input, call);
    await this.assertAny(call.principal, ['message.consume'], this.definition(name));
    if (input.ReceiptHandle === undefined) throw new SqsError('MissingParameter', 'The request must contain the parameter ReceiptHandle.');
    await this.changeOne(name, input.ReceiptHandle, int(input, 'VisibilityTimeout', 0, MAX_VISIBILITY));
    return null;
  }

  private async changeVisibilityBatch(input: Input, call: SqsCall): Promise<Output> {
    const name = this.queueName(input, call);
    const list = entries(input);
    await this.assertAny(call.principal, ['message.consume'], this.definition(name));
    const outcomes = await Promise.allSettled(
      list.map(async (entry) => this.changeOne(name, entry.ReceiptHandle, int(entry, 'VisibilityTimeout', 0, MAX_VISIBILITY))),
    );
    const successful: Record<string, unknown>[] = [];
    const failed: Record<string, unknown>[] = [];
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') successful.push({ Id: list[i].Id });
      else failed.push(failure(list[i].Id as string, outcome.reason));
    });
    return { Successful: successful, Failed: failed };
  }
}
