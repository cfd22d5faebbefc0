import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { StorageModule } from '@app/storage/storage.module';
import { MessagesModule } from '@app/messages/messages.module';
import { QueuesModule } from '@app/queues/queues.module';
import { MetricsController } from '@app/health/metrics.controller';
import { MetricsServer } from '@app/health/metrics-server';
import { MetricsService } from '@app/health/metrics.service';
import { HealthController } from '@app/health/health.controller';
import { LifecycleService } from '@app/health/lifecycle.service';
import { ReadinessIndicators } from '@app/health/readiness.indicators';

@Global()
@Module({
  // terminus's own log would repeat every failed probe; ReadinessIndicators logs each change once
  imports: [StorageModule, QueuesModule, MessagesModule, TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, MetricsController],
  providers: [LifecycleService, MetricsService, MetricsServer, ReadinessIndicators],
  exports: [LifecycleService, MetricsService, MetricsServer],
})
export class HealthModule {}
