import { Module } from '@nestjs/common';
import { StorageModule } from '@app/storage/storage.module';
import { QueuesModule } from '@app/queues/queues.module';
import { SecurityModule } from '@app/security/security.module';
import { LifecycleModule } from '@app/lifecycle/lifecycle.module';
import { MessagesController } from '@app/messages/messages.controller';
import { MessagesService } from '@app/messages/messages.service';
import { DeliveryService } from '@app/messages/delivery.service';
import { MessageEvents } from '@app/messages/message-events';
import { ConsumersController } from '@app/messages/consumers/consumers.controller';
import { ConsumersService } from '@app/messages/consumers/consumers.service';
import { LongPollSlots } from '@app/messages/consumers/long-poll-slots';
import { MaintenanceService } from '@app/messages/maintenance.service';
import { QueueOperationsService } from '@app/messages/queue-operations.service';

@Module({
  imports: [StorageModule, QueuesModule, SecurityModule, LifecycleModule],
  controllers: [MessagesController, ConsumersController],
  providers: [MessagesService, DeliveryService, MessageEvents, ConsumersService, LongPollSlots, MaintenanceService, QueueOperationsService],
  exports: [MessagesService, DeliveryService, MessageEvents, MaintenanceService, ConsumersService, QueueOperationsService, LongPollSlots],
})
export class MessagesModule {}
