import { Module } from '@nestjs/common';
import { LifecycleService } from '@app/lifecycle/lifecycle.service';

/** The process's drain and shutdown state, shared by the readiness probe, the HTTP middleware and the long polls. */
@Module({
  providers: [LifecycleService],
  exports: [LifecycleService],
})
export class LifecycleModule {}
