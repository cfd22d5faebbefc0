import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '@app/common/clock';
import { DomainError } from '@app/common/domain-error';
import { assertJsonDepth } from '@app/common/json-depth';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';
import { QueueRegistry, type QueueEntry } from '@app/queues/queue-registry.service';
import { SchemaService } from '@app/queues/schema.service';
import type { MessageStatus, NewMessage, StoredMessage } from '@app/domain/message';
import type { MessageStore, Page } from '@app/storage/ports/message.store';
import { StorageService } from '@app/storage/storage.service';
import { MessageEvents } from '@app/messages/message-events';
import { assertClientKey, assertFifoId, contentDeduplicationId, DEDUP_KEY_PREFIX, storedIdempotencyKey } from '@app/messages/idempotency-key';
import type { QueueDefinition } from '@app/domain/queue';
import { senderRoles, type Principal } from '@app/security/principal';

/** Who pushes: the token's principal (its roles are recorded, see senderRoles), or roles recorded as given. */
export interface SenderOptions {
  principal?: Principal;
  /** without a principal: the roles to record (null: not recorded) */
  senderRoles?: string[] | null;
}

export interface PushOptions extends SenderOptions {
  sentBy: string | null;
  /** the client's Idempotency-Key, as sent */
  idempotencyKey?: string | null;
  delaySeconds?: number;
  /** pushed by the handler of this queue: its keys are the handler's, whoever sent the message it handles */
  fromHandlerOf?: string;
  /** FIFO queues: the message group (Message-Group-Id); required there, refused elsewhere */
  groupId?: string | null;
  /** FIFO queues: the deduplication id (Deduplication-Id); refused elsewhere */
  deduplicationId?: string | null;
}

/** One message of a batch push, with its own FIFO fields (they default to the batch's). */
export interface BatchEntry {
  body: unknown;
  groupId?: string | null;
  deduplicationId?: string | null;
}

export function isFifo(definition: QueueDefinition): boolean {
  return definition.ordering?.mode === 'fifo';
}

/** What `prepare` needs: the key as stored (see storedIdempotencyKey), never a client's raw key. */
export interface PrepareOptions extends SenderOptions {
  sentBy: string | null;
  storedKey: string | null;
  delaySeconds?: number;
  /** kept only by FIFO queues */
  groupId?: string | null;
  /** FIFO: the deduplication id behind storedKey, as sent (or the content hash) */
  deduplicationId?: string | null;
}

export interface PushResult {
  message: StoredMessage;
  replayed: boolean;
}

export function sender(options: SenderOptions): SenderOptions {
  return { principal: options.principal, senderRoles: options.senderRoles };
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

/** A replay of a FIFO deduplication id: per queue, so possibly another sender's message. */
export function isDeduplicated(outcome: PushResult): boolean {
  return outcome.replayed && (outcome.message.idempotencyKey?.startsWith(DEDUP_KEY_PREFIX) ?? false);
}

/**
 * Keys are scoped to their sender, so a replay answers with the caller's own message. A guard
 * against a stored key that names another sender's message anyway: 409, telling nothing of it.
 * FIFO deduplication ids are per queue (as in SQS): their replays are exempt, and the API shows
 * another sender's message only by id (see toDeduplicatedView).
 */
export function assertOwnReplays(outcomes: PushResult[], sentBy: string | null): void {
  if (outcomes.some((o) => o.replayed && o.message.sentBy !== sentBy && !isDeduplicated(o))) {
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
    const fifo = isFifo(entry.definition);
    if (fifo && delay > 0) {
      throw new DomainError('VALIDATION_FAILED', `queue ${entry.definition.name} is a FIFO queue: a message cannot have its own delay (as in SQS FIFO queues)`);
    }
    const now = this.clock.now();
    return {
      id: randomUUID(),
      queue: entry.definition.name,
      request: body ?? null,
      sentBy: options.sentBy,
      senderRoles: options.principal ? senderRoles(options.principal, entry.definition.client_id) : (options.senderRoles ?? null),
      createdAt: now,
      availableAt: now + delay * 1000,
      idempotencyKey: options.storedKey,
      groupId: fifo ? (options.groupId ?? null) : null,
      deduplicationId: fifo ? (options.deduplicationId ?? null) : null,
    };
  }

  /**
   * The FIFO fields of one message: checked, and the stored key of its deduplication id (the
   * explicit one, else the body's SHA-256 with contentBasedDeduplication), or null.
   */
  private fifoFields(
    definition: QueueDefinition,
    body: unknown,
    fields: { groupId?: string | null; deduplicationId?: string | null },
    hasIdempotencyKey: boolean,
    label?: string,
  ): { groupId: string | null; storedKey: string | null; deduplicationId: string | null } {
    const at = label ? `${label}: ` : '';
    const groupId = fields.groupId ?? null;
    const deduplicationId = fields.deduplicationId ?? null;
    if (groupId !== null) assertFifoId(groupId, 'Message-Group-Id');
    if (deduplicationId !== null) assertFifoId(deduplicationId, 'Deduplication-Id');
    if (!isFifo(definition)) {
      if (groupId !== null || deduplicationId !== null) {
        throw new DomainError(
          'VALIDATION_FAILED',
          `${at}queue ${definition.name} is not a FIFO queue: Message-Group-Id and Deduplication-Id are for queues with ordering.mode "fifo"`,
        );
      }
      return { groupId: null, storedKey: null, deduplicationId: null };
    }
    if (groupId === null) throw new DomainError('VALIDATION_FAILED', `${at}queue ${definition.name} is a FIFO queue: every message needs a Message-Group-Id`);
    if (deduplicationId !== null && hasIdempotencyKey) {
      throw new DomainError('VALIDATION_FAILED', `${at}send Deduplication-Id or Idempotency-Key, not both`);
    }
    const id = deduplicationId ?? (definition.ordering.contentBasedDeduplication && !hasIdempotencyKey ? contentDeduplicationId(body) : null);
    return { groupId, storedKey: id === null ? null : storedIdempotencyKey({ kind: 'dedup', queue: definition.name, id }), deduplicationId: id };
  }

  async push(queue: string, body: unknown, options: PushOptions): Promise<PushResult> {
    const entry = this.registry.require(queue);
    const key = clientKey(options);
    const fifo = this.fifoFields(entry.definition, body, options, key !== null);
    const storedKey =
      fifo.storedKey ??
      (key === null
        ? null
        : options.fromHandlerOf !== undefined
          ? storedIdempotencyKey({ kind: 'handler', queue: options.fromHandlerOf, key })
          : storedIdempotencyKey({ kind: 'push', sentBy: options.sentBy, key }));
    const outcomes = await this.insertPrepared([
      this.prepare(entry, body, {
        ...sender(options),
        sentBy: options.sentBy,
        storedKey,
        delaySeconds: options.delaySeconds,
        groupId: fifo.groupId,
        deduplicationId: fifo.deduplicationId,
      }),
    ]);
    assertOwnReplays(outcomes, options.sentBy);
    return outcomes[0];
  }

  /** All valid or none stored. With an idempotency key, message i has the batch key (sender, key, i), apart from any single push's. */
  async pushBatch(queue: string, entries: BatchEntry[], options: PushOptions): Promise<PushResult[]> {
    const entry = this.registry.require(queue);
    const key = clientKey(options);
    const records = entries.map(({ body, ...own }, index) => {
      const label = `messages[${index}]`;
      const fifo = this.fifoFields(
        entry.definition,
        body,
        { groupId: own.groupId ?? options.groupId, deduplicationId: own.deduplicationId },
        key !== null,
        label,
      );
      const storedKey = fifo.storedKey ?? (key === null ? null : storedIdempotencyKey({ kind: 'batch', sentBy: options.sentBy, key, index }));
      return this.prepare(
        entry,
        body,
        {
          ...sender(options),
          sentBy: options.sentBy,
          delaySeconds: options.delaySeconds,
          storedKey,
          groupId: fifo.groupId,
          deduplicationId: fifo.deduplicationId,
        },
        label,
      );
    });
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
    await this.releaseExpiredDeduplication(records);
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

  /**
   * A FIFO deduplication id is remembered for the queue's deduplicationWindowSeconds from the
   * first message's store time: after that the first message lets go of it, and this one is stored.
   */
  private async releaseExpiredDeduplication(records: NewMessage[]): Promise<void> {
    const keyed = records.filter((r) => r.idempotencyKey?.startsWith(DEDUP_KEY_PREFIX));
    await Promise.all(
      keyed.map(async (record) => {
        const definition = this.registry.require(record.queue).definition;
        const store = this.storage.forQueue(definition);
        const first = await store.findByIdempotencyKey(record.queue, record.idempotencyKey!);
        if (first && record.createdAt - first.createdAt >= definition.ordering.deduplicationWindowSeconds * 1000) {
          await store.releaseIdempotencyKey(record.queue, first.id, record.idempotencyKey!);
        }
      }),
    );
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
