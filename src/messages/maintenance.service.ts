import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { Clock } from '@app/common/clock';
import { QueueRegistry } from '@app/queues/queue-registry.service';
import type { StoredMessage } from '@app/domain/message';
import type { QueueDefinition } from '@app/domain/queue';
import type { MessageStore } from '@app/storage/ports/message.store';
import { DeliveryService } from '@app/messages/delivery.service';

/** Messages deleted per applyRetention call; the store is free between calls, so pushes never wait long. */
export const RETENTION_BATCH = 500;
/** At most this many batches per queue and run; the rest waits for the next run. */
const RETENTION_MAX_BATCHES = 20;
const LEASE_BATCH = 200;
const LEASE_MAX_BATCHES = 10;

export interface MaintenanceReport {
  expiredLeases: number;
  deleted: number;
}

/**
 * Scheduled housekeeping on every replica (all transitions are compare-and-set, so replicas
 * racing each other are harmless): leases nobody acknowledged are expired (a failed attempt,
 * redelivery or ERROR + dead letter), and retention deletes old messages.
 */
@Injectable()
export class MaintenanceService {
  private readonly logger = new Logger('Maintenance');
  private sweeping = false;
  private retaining = false;

  constructor(
    private readonly registry: QueueRegistry,
    private readonly delivery: DeliveryService,
    private readonly clock: Clock,
  ) {}

  @Interval('lease-expiry', 1_000)
  async leaseTick(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    await this.expireLeases()
      .catch((error) => this.logger.warn({ err: error as Error }, 'lease expiry failed'))
      .finally(() => (this.sweeping = false));
  }

  @Interval('retention', 60_000)
  async retentionTick(): Promise<void> {
    if (this.retaining) return;
    this.retaining = true;
    await this.applyRetention()
      .catch((error) => this.logger.warn({ err: error as Error }, 'retention failed'))
      .finally(() => (this.retaining = false));
  }

  /** Both jobs once, now (tests call this with a ManualClock; a scheduled run going on meanwhile is harmless). */
  async runOnce(): Promise<MaintenanceReport> {
    const expiredLeases = await this.expireLeases();
    const deleted = await this.applyRetention();
    return { expiredLeases, deleted };
  }

  /**
   * Expires the overdue leases of every queue; returns how many. One look per store for all its
   * queues (one statement on SQL), not one per queue: an idle replica with many queues would
   * otherwise query each of them every second.
   */
  async expireLeases(): Promise<number> {
    let total = 0;
    for (const [store, definitions] of this.queuesByStore()) {
      const names = definitions.map((d) => d.name);
      try {
        for (let batch = 0; batch < LEASE_MAX_BATCHES * definitions.length; batch++) {
          const expired = await store.findExpiredLeasesIn(names, this.clock.now(), LEASE_BATCH);
          const handled = await this.expireFound(definitions, expired);
          total += handled;
          // a full batch of which nothing could be expired would only be found again
          if (expired.length < LEASE_BATCH || handled === 0) break;
        }
      } catch (error) {
        this.logger.warn({ queues: names, err: error as Error }, 'lease expiry of queues failed');
      }
    }
    return total;
  }

  private queuesByStore(): Map<MessageStore, QueueDefinition[]> {
    const byStore = new Map<MessageStore, QueueDefinition[]>();
    for (const { definition } of this.registry.list()) {
      try {
        const store = this.delivery.store(definition);
        const definitions = byStore.get(store);
        if (definitions) definitions.push(definition);
        else byStore.set(store, [definition]);
      } catch (error) {
        this.logger.warn({ queue: definition.name, err: error as Error }, 'lease expiry of a queue failed');
      }
    }
    return byStore;
  }

  /** Each queue's share of what was found; one queue failing does not stop the others. */
  private async expireFound(definitions: QueueDefinition[], expired: StoredMessage[]): Promise<number> {
    let handled = 0;
    for (const definition of definitions) {
      const own = expired.filter((m) => m.queue === definition.name);
      if (!own.length) continue;
      try {
        handled += await this.delivery.expireFound(definition, own);
      } catch (error) {
        this.logger.warn({ queue: definition.name, err: error as Error }, 'lease expiry of a queue failed');
      }
    }
    return handled;
  }

  /** Deletes COMPLETE messages older than retention.processedMinutes and all messages older than retention.allHours. */
  async applyRetention(): Promise<number> {
    let total = 0;
    for (const { definition } of this.registry.list()) {
      const now = this.clock.now();
      const rule = {
        processedBefore: now - definition.retention.processedMinutes * 60_000,
        allBefore: now - definition.retention.allHours * 3_600_000,
        limit: RETENTION_BATCH,
      };
      try {
        const store = this.delivery.store(definition);
        for (let batch = 0; batch < RETENTION_MAX_BATCHES; batch++) {
          const deleted = await store.applyRetention(definition.name, rule);
          total += deleted;
          if (deleted < RETENTION_BATCH) break;
          await new Promise((resolve) => setImmediate(resolve));
        }
      } catch (error) {
        this.logger.warn({ queue: definition.name, err: error as Error }, 'retention of a queue failed');
      }
    }
    return total;
  }
}
