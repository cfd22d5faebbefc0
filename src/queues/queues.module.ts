import { Module } from '@nestjs/common';
import { StorageModule } from '@app/storage/storage.module';
import { ConfigFilesService } from '@app/queues/config-files.service';
import { NamespaceService } from '@app/queues/namespace.service';
import { QueueRegistry } from '@app/queues/queue-registry.service';
import { QueuesController } from '@app/queues/queues.controller';
import { QueuesService } from '@app/queues/queues.service';
import { SchemaService } from '@app/queues/schema.service';

@Module({
  imports: [StorageModule],
  controllers: [QueuesController],
  providers: [ConfigFilesService, QueueRegistry, SchemaService, NamespaceService, QueuesService],
  exports: [ConfigFilesService, QueueRegistry, SchemaService, NamespaceService, QueuesService],
})
export class QueuesModule {}
