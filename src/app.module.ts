import { Module, type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import type { Clock } from '@app/common/clock';
import type { AppConfig } from '@app/config/app.config';
import { ConfigModule } from '@app/config/config.module';
import { HealthModule } from '@app/health/health.module';
import { HttpEdgeModule } from '@app/http/http-edge.module';
import { MessagesModule } from '@app/messages/messages.module';
import { QueuesModule } from '@app/queues/queues.module';
import { SecurityModule } from '@app/security/security.module';
import { StorageModule } from '@app/storage/storage.module';
import { TopicsModule } from '@app/topics/topics.module';
import { HandlersModule } from '@app/messages/handlers/handlers.module';
import { SqsModule } from '@app/sqs/sqs.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, clock: Clock | undefined): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, clock),
        ScheduleModule.forRoot(),
        // first: express tries routes in registration order, and the message routes are the busy ones
        MessagesModule,
        StorageModule,
        QueuesModule,
        SecurityModule,
        TopicsModule,
        HandlersModule,
        HealthModule,
        SqsModule,
        // after SecurityModule: the rate limit counts verified subjects
        HttpEdgeModule,
      ],
    };
  }
}
