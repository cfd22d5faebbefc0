"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const common_1 = require("@nestjs/common");
const app_config_1 = require("./config/app.config.js");
const dev_secret_1 = require("./security/dev-secret.js");
const bootstrap_1 = require("./bootstrap.js");
const graceful_shutdown_1 = require("./health/graceful-shutdown.js");
async function main() {
    const logger = new common_1.Logger('Mailroom');
    let config;
    try {
        config = (0, dev_secret_1.withDevelopmentSecret)((0, app_config_1.loadConfig)());
    }
    catch (error) {
        if (error instanceof app_config_1.ConfigError) {
            logger.error(error.message);
            process.exit(1);
        }
        throw error;
    }
    const app = await (0, bootstrap_1.createApp)(config);
    new graceful_shutdown_1.GracefulShutdown(app, {
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
    logger.log(`Mailroom listening on port ${typeof address === 'object' && address ? address.port : config.port} (docs at /docs)`);
}
main().catch((error) => {
    new common_1.Logger('Mailroom').error(error instanceof Error ? error.message : String(error));
    process.exit(1);
});
//# sourceMappingURL=main.js.map