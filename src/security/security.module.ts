import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { StorageModule } from '@app/storage/storage.module';
import { QueuesModule } from '@app/queues/queues.module';
import { AccessGuard } from '@app/security/access.guard';
import { AccessService } from '@app/security/access.service';
import { Authenticator } from '@app/security/authenticator';
import { JwtStrategy } from '@app/security/jwt.strategy';
import { MeController } from '@app/security/me.controller';
import { MeService } from '@app/security/me.service';
import { PermissionsController } from '@app/security/permissions.controller';
import { PermissionsService } from '@app/security/permissions.service';

@Module({
  imports: [PassportModule, StorageModule, QueuesModule],
  controllers: [PermissionsController, MeController],
  providers: [JwtStrategy, Authenticator, AccessService, PermissionsService, MeService, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [AccessService, Authenticator],
})
export class SecurityModule {}
