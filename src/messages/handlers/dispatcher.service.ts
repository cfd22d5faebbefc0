import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AsyncResource } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Clock } from '@app/common/clock';
import { DomainError } from '@app/common/domain-error';
import { truncateText } from '@app/common/truncate';
import { InjectConfig } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';
import { QueueRegistry, type QueueEntry } from '@app/queues/queue-registry.service';
import type { QueueDefinition } from '@app/domain/queue';
import type { MessageErrorInfo, StoredMessage } from '@app/domain/message';
import type { MessageStore } from '@app/storage/ports/message.store';
import { DeliveryService } from '@app/messages/delivery.service';
import { MessageEvents } from '@app/messages/message-events';
import { HandlerPool, type HandlerOutcome } from '@app/messages/handlers/handler-pool';
import { HandlerServices } from '@app/messages/handlers/handler-services';
import { QueueDispatchState, type QueueEvent } from '@app/messages/handlers/queue-dispatch-state';

/** Backstop poll of every handler queue (delays, retries, other replicas without a wake-up signal). */
export const TICK_MS = 500;
/** A claim takes at most this many messages at once. */
export const MAX_CLAIM_BATCH = 64;
/** The lease of a handler's message outlives its timeout by this much. */
export const LEASE_MARGIN_SECONDS = 10;
/**
 * A prefetched message starts only within this long of its claim, so its lease still outlives
 * the handler's timeout by half the margin; an older one goes back to its place uncounted.
 */
export const PREFETCH_MAX_AGE_MS = (LEASE_MARGIN_SECONDS * 1000) / 2;
const INTERVAL_NAME = 'mailroom-handler-dispatcher';
/** A handler's error message is stored (and logged) cut to this many bytes, with a marker. */
export const HANDLER_ERROR_MAX_BYTES = 8_192;
const HANDLER_ERROR_NAME_MAX_BYTES = 200;

/**
 * A slot frees when its handler returns, while the outcome is still being stored, so a queue's
 * handlers keep running during the settle round trips (outcomes are stored in groups); handlers
 * running plus outcomes waiting stay under `3 × concurrency`.
 * With `concurrency: 1` a slot is held until the outcome is stored: a retried message then runs
 * before the next one, keeping send order.
 */
function freeSlots(definition: QueueDefinition, state: QueueDispatchState): number {
  const { concurrency } = definition.delivery;
  if (concurrency === 1) return 1 - state.active - state.settling;
  return Math.min(concurrency - state.active, 3 * concurrency - state.active - state.settling);
}

/**
 * Queues with concurrency > 1 keep up to `concurrency` messages claimed ahead, so a slot that
 * frees starts the next handler at once instead of after a claim's round trip. With
 * concurrency 1 nothing is claimed ahead: a retried message must run before the next one.
 */
function prefetchTarget(definition: QueueDefinition): number {
  return definition.delivery.concurrency > 1 ? definition.delivery.concurrency : 0;
}

export function handlerLeaseSeconds(definition: QueueDefinition): number {
  return definition.delivery.handlerTimeoutSeconds + LEASE_MARGIN_SECONDS;
}

function isConflict(error: unknown): boolean {
  return error instanceof DomainError && (error.code === 'RECEIPT_STALE' || error.code === 'MESSAGE_NOT_FOUND' || error.code === 'QUEUE_NOT_FOUND');
}

/**
 * Runs the handlers of queues that have one (`config/queues/<name>.queue.js`). Woken at once when
 * a message becomes available on this replica (MessageEvents, MessageStore.onAvailable), with a
 * scheduled tick as the backstop. Claims respect each queue's `concurrency` and the replica's
 * global cap; each message is leased before its handler runs, and settled through DeliveryService.
 */
@Injectable()
export class HandlerDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Dispatcher');
  private readonly queues = new Map<string, QueueDispatchState>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly pumps = new Set<Promise<void>>();
  private readonly subscribedStores = new Set<MessageStore>();
  private readonly disposers: (() => void)[] = [];
  private readonly shutdown = new AbortController();
  /**
   * Handlers run in the dispatcher's own async context, not in that of the request whose push
   * woke it: their log lines must not carry that request's id or subject.
   */
  private readonly scope = new AsyncResource('MailroomDispatcher');
  private running = 0;
  private started = false;
  private stopping = false;

  constructor(
    private readonly registry: QueueRegistry,
    private readonly delivery: DeliveryService,
    private readonly events: MessageEvents,
    private readonly pool: HandlerPool,
    private readonly services: HandlerServices,
    private readonly scheduler: SchedulerRegistry,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    setMaxListeners(0, this.shutdown.signal);
    if (!this.config.dispatcherEnabled) {
      this.logger.log('dispatcher disabled (DISPATCHER_ENABLED=false): handlers do not run on this replica');
      return;
    }
    this.started = true;
    this.disposers.push(
      this.registry.onChange(() => this.syncQueues()),
      this.events.subscribe((event) => {
        if (event.type === 'pushed' || event.type === 'returned') this.wake(event.queue);
      }),
    );
    this.syncQueues();
    const interval = setInterval(() => this.tick(), TICK_MS);
    interval.unref();
    this.scheduler.addInterval(INTERVAL_NAME, interval);
    this.tick();
  }

  /** Handler queues known to this dispatcher and how many of their handlers run now. */
  snapshot(): { queue: string; active: number }[] {
    return [...this.queues.values()].map((s) => ({ queue: s.name, active: s.active }));
  }

  /** Stop claiming; let running handlers finish within SHUTDOWN_GRACE_SECONDS; return the rest to PENDING. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    if (this.scheduler.doesExist('interval', INTERVAL_NAME)) this.scheduler.deleteInterval(INTERVAL_NAME);
    for (const dispose of this.disposers.splice(0)) dispose();
    for (const state of this.queues.values()) state.clearRetryTimer();
    await Promise.allSettled([...this.pumps]);
    for (const state of this.queues.values()) this.giveBackReady(state);
    if (this.inflight.size) {
      this.logger.log({ graceSeconds: this.config.shutdownGraceSeconds, running: this.inflight.size }, 'waiting for running handlers');
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.config.shutdownGraceSeconds * 1000);
      });
      await Promise.race([Promise.allSettled([...this.inflight]), grace]);
      clearTimeout(timer);
    }
    if (this.inflight.size) {
      this.logger.warn({ unfinished: this.inflight.size }, 'returning unfinished messages to their queues');
      this.shutdown.abort();
      await Promise.allSettled([...this.inflight]);
    }
    this.services.detachAll();
    await this.pool.destroy();
  }

  private syncQueues(): void {
    const names = new Set<string>();
    for (const entry of this.registry.list()) {
      if (!entry.handlerPath) continue;
      const name = entry.definition.name;
      names.add(name);
      const known = this.queues.get(name);
      if (!known) this.queues.set(name, new QueueDispatchState(name));
      else if (known.phase === 'draining' || known.phase === 'retiring') known.fire('reinstate');
      this.listenTo(entry.definition);
      this.wake(name);
    }
    if (names.size) this.pool.warm();
    for (const [name, state] of this.queues) {
      if (names.has(name)) continue;
      state.clearRetryTimer();
      this.giveBackReady(state);
      state.fire('retire');
      this.forgetIfDrained(state);
    }
  }

  private listenTo(definition: QueueDefinition): void {
    let store: MessageStore;
    try {
      store = this.delivery.store(definition);
    } catch (error) {
      this.logger.warn({ queue: definition.name, err: error as Error }, 'no storage for the queue handler');
      return;
    }
    if (this.subscribedStores.has(store)) return;
    this.subscribedStores.add(store);
    this.disposers.push(store.onAvailable((queue) => this.wake(queue)));
  }

  /** Expired leases (a crashed process's messages) are returned by MaintenanceService's sweep; the tick picks them up. */
  private tick(): void {
    if (this.stopping) return;
    for (const state of this.queues.values()) this.wake(state.name);
  }

  private wake(name: string): void {
    const state = this.queues.get(name);
    if (!state || this.stopping) return;
    if (!state.wake()) {
      const entry = state.claiming ? this.registry.get(name) : undefined;
      if (entry?.handlerPath) this.startReady(state, entry);
      return;
    }
    const pump = this.scope
      .runInAsyncScope(() => this.pump(state))
      .catch((error) => this.logger.error({ queue: name, err: error as Error }, 'dispatch failed'));
    this.pumps.add(pump);
    void pump.finally(() => this.pumps.delete(pump));
  }

  /** The claim loop: rounds of claims while woken meanwhile; then its end moves the queue's phase on. */
  private async pump(state: QueueDispatchState): Promise<void> {
    let end: QueueEvent = 'loop-ended';
    try {
      do await this.claimRound(state);
      while (!this.stopping && state.continueLoop());
    } catch (error) {
      end = 'claim-failed';
      this.warnThrottled(state, `queue ${state.name}: claim failed: ${(error as Error).message}`);
    }
    state.fire(end);
    this.forgetIfDrained(state);
  }

  /** Claims and starts as many messages as the queue's and the replica's capacity allow. */
  private async claimRound(state: QueueDispatchState): Promise<void> {
    for (;;) {
      const entry = this.registry.get(state.name);
      if (!entry?.handlerPath || this.stopping) {
        this.giveBackReady(state);
        return;
      }
      this.startReady(state, entry);
      const own = freeSlots(entry.definition, state);
      const global = this.config.globalConcurrency - this.running;
      state.starved = global <= 0 && own > 0;
      const batch = Math.min(own, global, MAX_CLAIM_BATCH);
      const ahead = Math.max(0, Math.min(prefetchTarget(entry.definition) - state.ready.length, MAX_CLAIM_BATCH - Math.max(batch, 0)));
      // with every slot taken, claim ahead again once half of what was claimed ahead has started
      if (batch <= 0 && (ahead === 0 || state.ready.length > prefetchTarget(entry.definition) / 2)) return;
      const reserved = Math.max(batch, 0);
      state.active += reserved;
      this.running += reserved;
      let claimed: StoredMessage[];
      try {
        claimed = await this.delivery.claim(entry.definition, reserved + ahead, handlerLeaseSeconds(entry.definition), 'handler');
      } finally {
        state.active -= reserved;
        this.running -= reserved;
      }
      const claimedAt = this.clock.now();
      for (const message of claimed) state.ready.push({ message, claimedAt });
      this.startReady(state, entry);
      if (claimed.length < reserved + ahead) return;
    }
  }

  /** A retired queue whose last handler settled is forgotten. */
  private forgetIfDrained(state: QueueDispatchState): void {
    if (!state.draining || !state.quiet) return;
    state.fire('drained');
    if (this.queues.get(state.name) === state) this.queues.delete(state.name);
  }

  /** Starts claimed-ahead messages while the queue and the replica have free slots. */
  private startReady(state: QueueDispatchState, entry: QueueEntry): void {
    while (state.ready.length && !this.stopping && freeSlots(entry.definition, state) > 0 && this.running < this.config.globalConcurrency) {
      const next = state.ready.shift()!;
      if (this.clock.now() - next.claimedAt > PREFETCH_MAX_AGE_MS) {
        this.giveBack(entry.definition, next.message);
        continue;
      }
      this.start(state, entry, next.message);
    }
  }

  /** Claimed-ahead messages that will not run here go back to their place, attempt uncounted. */
  private giveBackReady(state: QueueDispatchState): void {
    const entry = this.registry.get(state.name);
    for (const { message } of state.ready.splice(0)) {
      if (entry) this.giveBack(entry.definition, message);
    }
  }

  private giveBack(definition: QueueDefinition, message: StoredMessage): void {
    const back = this.delivery
      .release(definition, message.id, message.receipt!, { toEnd: false })
      .then(() => undefined)
      .catch((error) => {
        if (!isConflict(error))
          this.logger.warn({ queue: definition.name, messageId: message.id, err: error as Error }, 'message could not go back to its queue');
      });
    this.inflight.add(back);
    void back.finally(() => this.inflight.delete(back));
  }

  private start(state: QueueDispatchState, entry: QueueEntry, message: StoredMessage): void {
    state.active++;
    this.running++;
    const runId = this.services.begin(message.id, state.name, message.sentBy, message.senderRoles);
    const started = performance.now();
    const run = (async () => {
      let outcome: HandlerOutcome;
      try {
        outcome = await this.runHandler(entry, message, runId);
      } finally {
        state.active--;
        this.running--;
        state.settling++;
        this.services.end(runId);
        this.slotFreed(state);
      }
      try {
        await this.settle(entry, message, outcome, started);
      } finally {
        state.settling--;
      }
    })()
      .catch((error) => this.logger.error({ queue: state.name, messageId: message.id, err: error as Error }, 'handler delivery failed'))
      .finally(() => {
        this.inflight.delete(run);
        this.forgetIfDrained(state);
        this.wake(state.name);
      });
    this.inflight.add(run);
  }

  /** Queues held back by the global cap go first, so a busy queue cannot keep the freed slot. */
  private slotFreed(state: QueueDispatchState): void {
    for (const other of this.queues.values()) if (other.starved && other !== state) this.wake(other.name);
    this.wake(state.name);
  }

  private runHandler(entry: QueueEntry, message: StoredMessage, runId: number): Promise<HandlerOutcome> {
    if (this.stopping) return Promise.resolve({ kind: 'interrupted', reason: 'shutting down' });
    const definition = entry.definition;
    return this.pool.run(
      {
        handlerPath: entry.handlerPath!,
        handlerVersion: entry.handlerVersion,
        id: message.id,
        queue: definition.name,
        attempt: message.attempts,
        request: message.request,
        timeoutMs: definition.delivery.handlerTimeoutSeconds * 1000,
        maxResultBytes: this.config.messageMaxBytes,
        run: runId,
      },
      this.shutdown.signal,
    );
  }

  /** Stores what the handler did (DeliveryService.settleHandlerOutcome); a retry due soon wakes the queue then. */
  private async settle(entry: QueueEntry, message: StoredMessage, outcome: HandlerOutcome, started: number): Promise<void> {
    const definition = entry.definition;
    try {
      if (outcome.kind !== 'interrupted') {
        this.events.emit({
          type: 'handler_finished',
          queue: definition.name,
          seconds: (performance.now() - started) / 1000,
          outcome: outcome.kind === 'complete' ? 'complete' : outcome.kind === 'timeout' ? 'timeout' : 'error',
        });
      }
      if (outcome.kind === 'error' || outcome.kind === 'timeout' || outcome.kind === 'crashed') {
        outcome = { kind: outcome.kind, error: this.storableError(outcome.error) };
        if (outcome.kind !== 'error') {
          this.logger.warn({
            msg: `handler ${outcome.kind === 'timeout' ? 'timed out' : 'crashed its worker'}`,
            queue: definition.name,
            messageId: message.id,
            error: outcome.error.message,
          });
        }
      }
      const settled = await this.delivery.settleHandlerOutcome(definition, message, outcome);
      if (settled.status === 'PENDING') this.wakeAt(definition.name, settled.availableAt);
    } catch (error) {
      if (!isConflict(error)) throw error;
      this.logger.debug?.(`queue ${definition.name}: message ${message.id} changed while its handler ran (${(error as DomainError).code})`);
    }
  }

  /** Redacted before it is cut, so no part of a secret survives at the cut. */
  private storableError(error: MessageErrorInfo): MessageErrorInfo {
    return {
      name: truncateText(error.name, HANDLER_ERROR_NAME_MAX_BYTES),
      message: truncateText(this.services.redact(error.message), HANDLER_ERROR_MAX_BYTES),
    };
  }

  /** A storage outage would otherwise log on every tick. */
  private warnThrottled(state: QueueDispatchState, message: string): void {
    const now = Date.now();
    if (now - state.lastWarnAt < 60_000) return;
    state.lastWarnAt = now;
    this.logger.warn(message);
  }

  /** A retry becomes due at `availableAt`: wake the queue then instead of waiting for a tick. */
  private wakeAt(name: string, availableAt: number): void {
    const state = this.queues.get(name);
    const delay = availableAt - this.clock.now();
    if (!state || delay <= 0 || delay > TICK_MS * 20) return;
    if (state.retryTimer && state.retryAt <= availableAt) return;
    state.clearRetryTimer();
    state.retryAt = availableAt;
    state.retryTimer = setTimeout(() => {
      state.retryTimer = null;
      this.wake(name);
    }, delay);
    state.retryTimer.unref();
  }
}
