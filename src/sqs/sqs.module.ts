import { Module } from '@nestjs/common';
import { StorageModule } from '@app/storage/storage.module';
import { QueuesModule } from '@app/queues/queues.module';
import { MessagesModule } from '@app/messages/messages.module';
import { SecurityModule } from '@app/security/security.module';
import { HealthModule } from '@app/health/health.module';
import { SqsService } from '@app/sqs/sqs.service';
import { SqsServer } from '@app/sqs/sqs.server';

@Module({
  imports: [StorageModule, QueuesModule, MessagesModule, SecurityModule, HealthModule],
  providers: [SqsService, SqsServer],
  exports: [SqsServer],
})
export class SqsModule {}
