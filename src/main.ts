import { ConsoleLogger, Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '@app/config/app.config';
import { withDevelopmentSecret } from '@app/security/dev-secret';
import { createApp } from '@app/bootstrap';
import { GracefulShutdown } from '@app/lifecycle/graceful-shutdown';
import { MetricsServer } from '@app/health/metrics-server';
import { scrubUrlCredentials } from '@app/common/secrets';

async function main(): Promise<void> {
  // JSON lines from the first message on; the app switches to its pino logger once built
  Logger.overrideLogger(new ConsoleLogger({ json: true }));
  const logger = new Logger('Mailroom');
  let config;
  try {
    config = withDevelopmentSecret(loadConfig());
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const app = await createApp(config);
  new GracefulShutdown(app, {
    delaySeconds: config.shutdownDelaySeconds,
    graceSeconds: config.shutdownGraceSeconds,
    logger,
    exit: (code) => process.exit(code),
  }).install();
  await app.listen(config.port);
  if (config.auth.development) {
    logger.warn(`development mode: tokens are signed with the secret in ${config.dataDir}; mint one with: npm run token -- --sub alice --roles system_admin`);
  }
  const address = app.getHttpServer().address();
  const where = [config.docsEnabled ? 'docs at /docs' : 'docs off', config.metricsPort === null ? 'metrics at /metrics' : null].filter(Boolean).join(', ');
  logger.log(`Mailroom listening on port ${typeof address === 'object' && address ? address.port : config.port} (${where})`);
  if (config.metricsPort !== null) {
    const metrics = await app.get(MetricsServer).listen(config.metricsPort);
    logger.log(`metrics at /metrics on port ${metrics.port}`);
  }
}

main().catch((error) => {
  new Logger('Mailroom').error(scrubUrlCredentials(error instanceof Error ? error.message : String(error)));
  process.exit(1);
});
