import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { Clock } from '@app/common/clock';
import { QueueRegistry } from '@app/queues/queue-registry.service';
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
      .catch((error) => this.logger.warn(`lease expiry failed: ${(error as Error).message}`))
      .finally(() => (this.sweeping = false));
  }

  @Interval('retention', 60_000)
  async retentionTick(): Promise<void> {
    if (this.retaining) return;
    this.retaining = true;
    await this.applyRetention()
      .catch((error) => this.logger.warn(`retention failed: ${(error as Error).message}`))
      .finally(() => (this.retaining = false));
  }

  /** Both jobs once, now (tests call this with a ManualClock; a scheduled run going on meanwhile is harmless). */
  async runOnce(): Promise<MaintenanceReport> {
    const expiredLeases = await this.expireLeases();
    const deleted = await this.applyRetention();
    return { expiredLeases, deleted };
  }

  /** Expires the overdue leases of every queue; returns how many. */
  async expireLeases(): Promise<number> {
    let total = 0;
    for (const { definition } of this.registry.list()) {
      try {
        for (let batch = 0; batch < LEASE_MAX_BATCHES; batch++) {
          const handled = await this.delivery.expireLeases(definition, LEASE_BATCH);
          total += handled;
          if (handled < LEASE_BATCH) break;
        }
      } catch (error) {
        this.logger.warn(`lease expiry of queue ${definition.name} failed: ${(error as Error).message}`);
      }
    }
    return total;
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
        this.logger.warn(`retention of queue ${definition.name} failed: ${(error as Error).message}`);
      }
    }
    return total;
  }
}
