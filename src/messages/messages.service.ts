import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '@app/common/clock';
import { DomainError } from '@app/common/domain-error';
import { assertJsonDepth } from '@app/common/json-depth';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';
import { QueueRegistry, type QueueEntry } from '@app/queues/queue-registry.service';
import { SchemaService } from '@app/queues/schema.service';
import type { MessageStatus, MessageStore, NewMessage, Page, StoredMessage } from '@app/storage/ports/message.store';
import { StorageService } from '@app/storage/storage.service';
import { MessageEvents } from '@app/messages/message-events';
import { assertClientKey, storedIdempotencyKey } from '@app/messages/idempotency-key';

export interface PushOptions {
  sentBy: string | null;
  /** the client's Idempotency-Key, as sent */
  idempotencyKey?: string | null;
  delaySeconds?: number;
  /** pushed by the handler of this queue: its keys are the handler's, whoever sent the message it handles */
  fromHandlerOf?: string;
}

/** What `prepare` needs: the key as stored (see storedIdempotencyKey), never a client's raw key. */
export interface PrepareOptions {
  sentBy: string | null;
  storedKey: string | null;
  delaySeconds?: number;
}

export interface PushResult {
  message: StoredMessage;
  replayed: boolean;
}

export const MAX_DELAY_SECONDS = 86_400;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Message ids are UUIDs; anything else cannot exist (and must not reach a uuid column). */
export function assertMessageId(queue: string, id: string): void {
  if (!UUID.test(id)) throw new DomainError('MESSAGE_NOT_FOUND', `Message ${id} does not exist in queue ${queue}`);
}

function clientKey(options: { idempotencyKey?: string | null }): string | null {
  const key = options.idempotencyKey ?? null;
  if (key !== null) assertClientKey(key);
  return key;
}

/**
 * Keys are scoped to their sender, so a replay answers with the caller's own message. A guard
 * against a stored key that names another sender's message anyway: 409, telling nothing of it.
 */
export function assertOwnReplays(outcomes: PushResult[], sentBy: string | null): void {
  if (outcomes.some((o) => o.replayed && o.message.sentBy !== sentBy)) {
    throw new DomainError('IDEMPOTENCY_KEY_CONFLICT', 'The Idempotency-Key is taken; send the message with another key');
  }
}

/** Push, read, list and delete messages of a queue. */
@Injectable()
export class MessagesService {
  constructor(
    private readonly registry: QueueRegistry,
    private readonly schemas: SchemaService,
    private readonly storage: StorageService,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: AppConfig,
    private readonly events: MessageEvents,
  ) {}

  /** Validates a message for a queue and builds the record to store (nothing is stored). */
  prepare(entry: QueueEntry, body: unknown, options: PrepareOptions, label?: string): NewMessage {
    assertJsonDepth(body, this.config.messageMaxDepth, label ?? 'the message');
    const size = Buffer.byteLength(JSON.stringify(body ?? null));
    if (size > this.config.messageMaxBytes) {
      throw new DomainError('PAYLOAD_TOO_LARGE', `${label ? `${label}: ` : ''}message is ${size} bytes; the limit is ${this.config.messageMaxBytes}`);
    }
    this.schemas.validate(entry.definition, body, label);
    const delay = options.delaySeconds ?? 0;
    if (!Number.isInteger(delay) || delay < 0 || delay > MAX_DELAY_SECONDS) {
      throw new DomainError('VALIDATION_FAILED', `delaySeconds must be a whole number from 0 to ${MAX_DELAY_SECONDS}`);
    }
    const now = this.clock.now();
    return {
      id: randomUUID(),
      queue: entry.definition.name,
      request: body ?? null,
      sentBy: options.sentBy,
      createdAt: now,
      availableAt: now + delay * 1000,
      idempotencyKey: options.storedKey,
    };
  }

  async push(queue: string, body: unknown, options: PushOptions): Promise<PushResult> {
    const entry = this.registry.require(queue);
    const key = clientKey(options);
    const storedKey =
      key === null
        ? null
        : options.fromHandlerOf !== undefined
          ? storedIdempotencyKey({ kind: 'handler', queue: options.fromHandlerOf, key })
          : storedIdempotencyKey({ kind: 'push', sentBy: options.sentBy, key });
    const outcomes = await this.insertPrepared([this.prepare(entry, body, { sentBy: options.sentBy, storedKey, delaySeconds: options.delaySeconds })]);
    assertOwnReplays(outcomes, options.sentBy);
    return outcomes[0];
  }

  /** All valid or none stored. With an idempotency key, message i has the batch key (sender, key, i), apart from any single push's. */
  async pushBatch(queue: string, bodies: unknown[], options: PushOptions): Promise<PushResult[]> {
    const entry = this.registry.require(queue);
    const key = clientKey(options);
    const records = bodies.map((body, index) =>
      this.prepare(
        entry,
        body,
        { sentBy: options.sentBy, delaySeconds: options.delaySeconds, storedKey: key === null ? null : storedIdempotencyKey({ kind: 'batch', sentBy: options.sentBy, key, index }) },
        `messages[${index}]`,
      ),
    );
    const outcomes = await this.insertPrepared(records);
    assertOwnReplays(outcomes, options.sentBy);
    return outcomes;
  }

  /**
   * Stores already prepared records (batches, topic fan-out, moves), possibly of several queues:
   * one insert per storage engine location, so the copies that share a store are stored all or
   * none in one write. Outcomes come back in the order of `records`. Several stores cannot share
   * a transaction: when one of them is known to be down, nothing is stored (503) rather than a part.
   */
  async insertPrepared(records: NewMessage[]): Promise<PushResult[]> {
    const groups = new Map<MessageStore, number[]>();
    records.forEach((record, index) => {
      const store = this.storage.forQueue(this.registry.require(record.queue).definition);
      const indexes = groups.get(store);
      if (indexes) indexes.push(index);
      else groups.set(store, [index]);
    });
    if (groups.size > 1) {
      const down = [...groups].find(([store]) => !store.availability().available);
      if (down) {
        const queue = records[down[1][0]].queue;
        throw new DomainError('STORAGE_UNAVAILABLE', `The storage of queue ${queue} is unavailable; nothing was stored, retry later`);
      }
    }
    const outcomes = new Array<PushResult>(records.length);
    await Promise.all(
      [...groups].map(async ([store, indexes]) => {
        const stored = await store.insert(indexes.map((i) => records[i]));
        stored.forEach((outcome, n) => (outcomes[indexes[n]] = outcome));
      }),
    );
    const counts = new Map<string, number>();
    for (const outcome of outcomes) if (!outcome.replayed) counts.set(outcome.message.queue, (counts.get(outcome.message.queue) ?? 0) + 1);
    for (const [queue, count] of counts) this.events.emit({ type: 'pushed', queue, count });
    return outcomes;
  }

  async get(queue: string, id: string): Promise<StoredMessage> {
    assertMessageId(queue, id);
    const entry = this.registry.require(queue);
    const message = await this.storage.forQueue(entry.definition).get(queue, id);
    if (!message) throw new DomainError('MESSAGE_NOT_FOUND', `Message ${id} does not exist in queue ${queue}`);
    return message;
  }

  async delete(queue: string, id: string): Promise<void> {
    assertMessageId(queue, id);
    const entry = this.registry.require(queue);
    if (!(await this.storage.forQueue(entry.definition).delete(queue, id))) {
      throw new DomainError('MESSAGE_NOT_FOUND', `Message ${id} does not exist in queue ${queue}`);
    }
  }

  async list(queue: string, status: MessageStatus | undefined, limit: number, cursor: string | null): Promise<Page<StoredMessage>> {
    const entry = this.registry.require(queue);
    return this.storage.forQueue(entry.definition).list(queue, { status, limit, cursor });
  }
}
