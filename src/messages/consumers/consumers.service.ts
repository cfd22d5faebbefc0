import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Clock } from '@app/common/clock';
import { DomainError } from '@app/common/domain-error';
import { assertJsonDepth } from '@app/common/json-depth';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';
import type { QueueDefinition } from '@app/domain/queue';
import type { MessageErrorInfo, StoredMessage } from '@app/domain/message';
import { QueueRegistry } from '@app/queues/queue-registry.service';
import { AccessService } from '@app/security/access.service';
import { LifecycleService } from '@app/lifecycle/lifecycle.service';
import type { Principal } from '@app/security/principal';
import { DeliveryService } from '@app/messages/delivery.service';
import { MessageEvents } from '@app/messages/message-events';
import { assertMessageId, isFifo } from '@app/messages/messages.service';
import { AvailabilityWaiter } from '@app/messages/consumers/availability-waiter';
import { LongPollSlots } from '@app/messages/consumers/long-poll-slots';
import type { AckBatchInput, AckBatchResult, AckInput, ReceiveInput } from '@app/messages/consumers/consumers.schemas';

/** While a long poll waits, it re-checks the queue at least this often (delays ending, other replicas without NOTIFY). */
const BACKSTOP_MS = 1_000;
/**
 * A receive sweeps the queue's expired leases itself at most this often (MaintenanceService sweeps
 * every queue each second anyway): one query less per receive under load (see docs/benchmarks.md).
 */
const RECEIVE_SWEEP_MS = 1_000;
/** An ack's `error`, as JSON: what a consumer reports is a diagnosis, not a payload. */
export const ACK_ERROR_MAX_BYTES = 16_384;

/**
 * Pull consumers: receive (lease) messages, acknowledge them with an outcome, extend leases.
 * Every transition goes through DeliveryService, so handlers and consumers share one life cycle.
 */
@Injectable()
export class ConsumersService implements OnModuleDestroy {
  private readonly logger = new Logger('Consumers');
  private readonly shutdown = new AbortController();
  /** queue → clock time of the last lease sweep done by a receive */
  private readonly lastSweep = new Map<string, number>();

  constructor(
    private readonly registry: QueueRegistry,
    private readonly delivery: DeliveryService,
    private readonly events: MessageEvents,
    private readonly access: AccessService,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: AppConfig,
    private readonly longPolls: LongPollSlots,
    private readonly lifecycle: LifecycleService,
  ) {}

  /** Ends every long poll at once (they answer with what they have: nothing). */
  onModuleDestroy(): void {
    this.shutdown.abort();
  }

  /** `subject` holds one of its long-poll slots while a receive with waitSeconds > 0 runs (TOO_MANY_LONG_POLLS when none is left). */
  async receive(queue: string, input: ReceiveInput, signal: AbortSignal, subject: string): Promise<StoredMessage[]> {
    if (input.waitSeconds === 0) return this.claimNow(this.consumable(queue), input, signal);
    const release = this.longPolls.acquire(subject);
    try {
      return await this.longPoll(queue, input, signal);
    } finally {
      release();
    }
  }

  private async longPoll(queue: string, input: ReceiveInput, signal: AbortSignal): Promise<StoredMessage[]> {
    const stop = AbortSignal.any([signal, this.shutdown.signal]);
    const deadline = Date.now() + input.waitSeconds * 1000;
    for (;;) {
      const definition = this.consumable(queue);
      const waiter = new AvailabilityWaiter(queue, this.events, this.delivery.store(definition), stop, isFifo(definition));
      try {
        const claimed = await this.claimNow(definition, input, signal);
        // while the service drains, long polls answer with what they found instead of waiting on
        const left = this.lifecycle.draining ? 0 : deadline - Date.now();
        if (claimed.length || left <= 0 || stop.aborted) return claimed;
        await waiter.wait(Math.min(left, BACKSTOP_MS));
        if (stop.aborted) return [];
      } finally {
        waiter.dispose();
      }
    }
  }

  /** One claim; messages claimed for a client that went away meanwhile go back at once. */
  private async claimNow(definition: QueueDefinition, input: ReceiveInput, signal: AbortSignal): Promise<StoredMessage[]> {
    await this.sweepLeases(definition);
    const visibility = input.visibilityTimeoutSeconds ?? definition.delivery.visibilityTimeoutSeconds;
    const claimed = await this.delivery.overReceived(definition, await this.delivery.claim(definition, input.maxMessages, visibility, 'receive'));
    if (claimed.length && signal.aborted) {
      await this.giveBack(definition, claimed);
      return [];
    }
    return claimed;
  }

  async ack(queue: string, id: string, input: AckInput, principal: Principal): Promise<StoredMessage> {
    this.assertBounded(input);
    if (input.outcome === 'send_to_another_queue' && input.queue === undefined) {
      throw new DomainError('VALIDATION_FAILED', 'outcome send_to_another_queue needs the target queue in "queue"');
    }
    const definition = this.registry.require(queue).definition;
    assertMessageId(definition.name, id);
    if (input.outcome === 'return_to_end_of_queue' && isFifo(definition)) {
      throw new DomainError('VALIDATION_FAILED', `queue ${queue} is a FIFO queue: a message keeps its place in its group; use return_to_queue`);
    }
    if (input.outcome === 'send_to_another_queue') {
      const target = input.queue!;
      if (target === queue) {
        throw new DomainError('VALIDATION_FAILED', 'send_to_another_queue needs a different queue; use return_to_end_of_queue for this one');
      }
      const message = await this.leased(definition, id, input.receipt);
      await this.access.assert(principal, 'message.write', { queue: this.registry.require(target).definition });
      return this.delivery.moveTo(definition, message, input.receipt, target, principal.subject);
    }
    try {
      return await this.settle(definition, id, input as SettlingAck);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'RECEIPT_STALE') await this.expireIfLapsed(definition, id, input.receipt);
      throw error;
    }
  }

  /** Nothing is read or stored before `result` and `error` are known to be within the limits. */
  private assertBounded(input: AckInput): void {
    assertJsonDepth(input.result, this.config.messageMaxDepth, 'result');
    if (input.error === undefined) return;
    assertJsonDepth(input.error, this.config.messageMaxDepth, 'error');
    const bytes = Buffer.byteLength(JSON.stringify(input.error));
    if (bytes > ACK_ERROR_MAX_BYTES) {
      throw new DomainError('PAYLOAD_TOO_LARGE', `error is ${bytes} bytes as JSON; the limit is ${ACK_ERROR_MAX_BYTES}`);
    }
  }

  /**
   * Up to MAX_ACK_BATCH acks, each applied and answered on its own (SQS DeleteMessageBatch). They
   * run concurrently, so a SQL store settles them in one statement.
   */
  async ackBatch(queue: string, input: AckBatchInput, principal: Principal): Promise<AckBatchResult> {
    this.registry.require(queue);
    const ids = input.entries.map((e) => e.id);
    if (new Set(ids).size !== ids.length) throw new DomainError('VALIDATION_FAILED', 'entries must name distinct messages');
    const outcomes = await Promise.allSettled(
      input.entries.map(({ id, ...ack }) => this.ack(queue, id, { ...ack, outcome: ack.outcome ?? 'complete' }, principal)),
    );
    const result: AckBatchResult = { successful: [], failed: [] };
    outcomes.forEach((outcome, i) => {
      const id = ids[i];
      if (outcome.status === 'fulfilled') {
        result.successful.push({ id, status: outcome.value.status });
      } else if (outcome.reason instanceof DomainError) {
        result.failed.push({ id, code: outcome.reason.code, message: outcome.reason.message });
      } else {
        this.logger.error({ queue, messageId: id, err: outcome.reason as unknown }, 'batch ack of a message failed');
        result.failed.push({ id, code: 'INTERNAL_ERROR', message: 'internal error' });
      }
    });
    return result;
  }

  /** One conditional write: the store refuses a stale receipt or a lease that has run out. */
  private settle(definition: QueueDefinition, id: string, input: SettlingAck): Promise<StoredMessage> {
    const ack = { ack: true };
    switch (input.outcome) {
      case 'complete':
        return this.delivery.complete(definition, id, input.receipt, input.result ?? null, ack);
      case 'error':
        return this.delivery.giveUp(definition, id, input.receipt, consumerError(input.error), ack);
      case 'return_to_queue':
        return this.delivery.release(definition, id, input.receipt, { ...ack, toEnd: false, delaySeconds: input.delaySeconds });
      case 'return_to_end_of_queue':
        return this.delivery.release(definition, id, input.receipt, { ...ack, toEnd: true, delaySeconds: input.delaySeconds });
    }
  }

  /**
   * An ack refused because its lease ran out before the sweep got to it: the attempt fails now,
   * as the sweep would have done, so what happens next never depends on the sweep's timing.
   */
  private async expireIfLapsed(definition: QueueDefinition, id: string, receipt: string): Promise<void> {
    const message = await this.delivery.store(definition).get(definition.name, id);
    if (message?.status === 'INPROGRESS' && message.receipt === receipt && message.leaseExpiresAt !== null && message.leaseExpiresAt <= this.clock.now()) {
      await this.delivery.expireLeases(definition);
    }
  }

  /** 0 seconds: visible again at once, the receive counted (SQS ChangeMessageVisibility 0). */
  async lease(queue: string, id: string, receipt: string, visibilitySeconds: number): Promise<StoredMessage> {
    const definition = this.registry.require(queue).definition;
    const message = await this.leased(definition, id, receipt);
    if (visibilitySeconds === 0) return this.delivery.endLease(definition, message);
    return this.delivery.extend(definition, id, receipt, visibilitySeconds);
  }

  private async sweepLeases(definition: QueueDefinition): Promise<void> {
    const now = this.clock.now();
    const last = this.lastSweep.get(definition.name);
    if (last !== undefined && now - last < RECEIVE_SWEEP_MS && now >= last) return;
    this.lastSweep.set(definition.name, now);
    await this.delivery.expireLeases(definition);
  }

  /** Receive is for queues without a handler: the dispatcher owns the others. */
  private consumable(queue: string): QueueDefinition {
    const entry = this.registry.require(queue);
    if (entry.handlerPath !== null) {
      throw new DomainError('QUEUE_HAS_HANDLER', `Queue ${queue} has a handler; its messages are processed by Mailroom, not received`);
    }
    return entry.definition;
  }

  /**
   * The message under the lease `receipt`. A lease that has run out is not current any more,
   * even if the sweep has not handled it yet: it is expired now (an attempt that failed) and the
   * caller gets RECEIPT_STALE, so the outcome never depends on the sweep's timing.
   */
  private async leased(definition: QueueDefinition, id: string, receipt: string): Promise<StoredMessage> {
    assertMessageId(definition.name, id);
    const message = await this.delivery.store(definition).get(definition.name, id);
    if (!message) throw new DomainError('MESSAGE_NOT_FOUND', `Message ${id} does not exist in queue ${definition.name}`);
    if (message.status !== 'INPROGRESS' || message.receipt !== receipt) throw stale();
    if (message.leaseExpiresAt !== null && message.leaseExpiresAt <= this.clock.now()) {
      await this.delivery.expireLeases(definition);
      throw stale();
    }
    return message;
  }

  /** The client went away before it got the messages: they go back to their place, attempt uncounted. */
  private async giveBack(definition: QueueDefinition, claimed: StoredMessage[]): Promise<void> {
    for (const message of claimed) {
      try {
        await this.delivery.release(definition, message.id, message.receipt!, { toEnd: false });
      } catch (error) {
        this.logger.warn({ queue: definition.name, messageId: message.id, err: error as Error }, 'could not return a message after an aborted receive');
      }
    }
  }
}

type SettlingAck = AckInput & { outcome: Exclude<AckInput['outcome'], 'send_to_another_queue'> };

function stale(): DomainError {
  return new DomainError('RECEIPT_STALE', 'The receipt is not the current lease of this message (the lease expired or the message was settled)');
}

function consumerError(error: AckInput['error']): MessageErrorInfo {
  if (error === undefined) return { name: 'ConsumerError', message: 'the consumer reported an error' };
  if (typeof error === 'string') return { name: 'ConsumerError', message: error };
  return { ...error, name: error.name ?? 'ConsumerError', message: error.message };
}
