import { Module } from '@nestjs/common';
import { StorageModule } from '@app/storage/storage.module';
import { QueuesModule } from '@app/queues/queues.module';
import { MessagesModule } from '@app/messages/messages.module';
import { TopicPublisher } from '@app/topics/topic-publisher';
import { TopicsController } from '@app/topics/topics.controller';
import { TopicsService } from '@app/topics/topics.service';
import { FanOutService } from '@app/topics/fan-out.service';

@Module({
  imports: [StorageModule, QueuesModule, MessagesModule],
  controllers: [TopicsController],
  providers: [TopicsService, FanOutService, { provide: TopicPublisher, useExisting: FanOutService }],
  exports: [TopicsService, TopicPublisher],
})
export class TopicsModule {}
