import { Module } from '@nestjs/common';
import { StorageModule } from '@app/storage/storage.module';
import { QueuesModule } from '@app/queues/queues.module';
import { SecurityModule } from '@app/security/security.module';
import { MessagesController } from '@app/messages/messages.controller';
import { MessagesService } from '@app/messages/messages.service';
import { DeliveryService } from '@app/messages/delivery.service';
import { MessageEvents } from '@app/messages/message-events';
import { ConsumersController } from '@app/messages/consumers/consumers.controller';
import { ConsumersService } from '@app/messages/consumers/consumers.service';
import { LongPollSlots } from '@app/messages/consumers/long-poll-slots';
import { MaintenanceService } from '@app/messages/maintenance.service';
import { HandlerDispatcher } from '@app/messages/handlers/dispatcher.service';
import { HandlerPool } from '@app/messages/handlers/handler-pool';
import { HandlerServices } from '@app/messages/handlers/handler-services';
import { AuthClientTokens } from '@app/messages/handlers/auth-client-tokens';
import { IntegrationsService } from '@app/messages/handlers/toolbox/integrations.service';
import { RulesetsService } from '@app/messages/handlers/toolbox/rulesets.service';
import { IdmService } from '@app/messages/handlers/toolbox/idm.service';
import { QueueOperationsService } from '@app/messages/queue-operations.service';

@Module({
  imports: [StorageModule, QueuesModule, SecurityModule],
  controllers: [MessagesController, ConsumersController],
  providers: [
    MessagesService,
    DeliveryService,
    MessageEvents,
    ConsumersService,
    LongPollSlots,
    MaintenanceService,
    HandlerDispatcher,
    HandlerPool,
    HandlerServices,
    AuthClientTokens,
    IntegrationsService,
    RulesetsService,
    IdmService,
    QueueOperationsService,
  ],
  exports: [MessagesService, DeliveryService, MessageEvents, MaintenanceService, ConsumersService, QueueOperationsService, LongPollSlots],
})
export class MessagesModule {}
