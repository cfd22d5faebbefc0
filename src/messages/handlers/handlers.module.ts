import { Module } from '@nestjs/common';
import { StorageModule } from '@app/storage/storage.module';
import { QueuesModule } from '@app/queues/queues.module';
import { MessagesModule } from '@app/messages/messages.module';
import { TopicsModule } from '@app/topics/topics.module';
import { HandlerDispatcher } from '@app/messages/handlers/dispatcher.service';
import { HandlerPool } from '@app/messages/handlers/handler-pool';
import { HandlerServices } from '@app/messages/handlers/handler-services';
import { AuthClientTokens } from '@app/messages/handlers/auth-client-tokens';
import { IntegrationsService } from '@app/messages/handlers/toolbox/integrations.service';
import { RulesetsService } from '@app/messages/handlers/toolbox/rulesets.service';
import { IdmService } from '@app/messages/handlers/toolbox/idm.service';

/**
 * Queue handlers: the dispatcher, the worker pool and the services handlers call. Above both
 * MessagesModule and TopicsModule, because a handler both settles messages and publishes to topics.
 */
@Module({
  imports: [StorageModule, QueuesModule, MessagesModule, TopicsModule],
  providers: [HandlerDispatcher, HandlerPool, HandlerServices, AuthClientTokens, IntegrationsService, RulesetsService, IdmService],
})
export class HandlersModule {}
