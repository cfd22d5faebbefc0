import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { StorageModule } from '@app/storage/storage.module';
import { MessagesModule } from '@app/messages/messages.module';
import { QueuesModule } from '@app/queues/queues.module';
import { LifecycleModule } from '@app/lifecycle/lifecycle.module';
import { MetricsController } from '@app/health/metrics.controller';
import { MetricsServer } from '@app/health/metrics-server';
import { MetricsService } from '@app/health/metrics.service';
import { HealthController } from '@app/health/health.controller';
import { ReadinessIndicators } from '@app/health/readiness.indicators';

@Global()
@Module({
  // terminus's own log would repeat every failed probe; ReadinessIndicators logs each change once
  imports: [StorageModule, QueuesModule, MessagesModule, LifecycleModule, TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, MetricsController],
  providers: [MetricsService, MetricsServer, ReadinessIndicators],
  exports: [MetricsService, MetricsServer],
})
export class HealthModule {}
