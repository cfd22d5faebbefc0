import { Global, Module } from '@nestjs/common';
import { StorageModule } from '@app/storage/storage.module';
import { MessagesModule } from '@app/messages/messages.module';
import { QueuesModule } from '@app/queues/queues.module';
import { MetricsController } from '@app/health/metrics.controller';
import { MetricsServer } from '@app/health/metrics-server';
import { MetricsService } from '@app/health/metrics.service';
import { HealthController } from '@app/health/health.controller';
import { LifecycleService } from '@app/health/lifecycle.service';

@Global()
@Module({
  imports: [StorageModule, QueuesModule, MessagesModule],
  controllers: [HealthController, MetricsController],
  providers: [LifecycleService, MetricsService, MetricsServer],
  exports: [LifecycleService, MetricsService, MetricsServer],
})
export class HealthModule {}
