import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Clock, SystemClock } from '@app/common/clock';
import { APP_CONFIG } from '@app/config/config.tokens';
import type { AppConfig } from '@app/config/app.config';

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: Clock, useValue: clock },
      ],
      exports: [APP_CONFIG, Clock],
    };
  }
}
