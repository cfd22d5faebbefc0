"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.GracefulShutdown = void 0;
const lifecycle_service_1 = require("./lifecycle.service.js");
class GracefulShutdown {
    app;
    settings;
    stopping = false;
    constructor(app, settings) {
        this.app = app;
        this.settings = settings;
    }
    install(signals = ['SIGTERM', 'SIGINT']) {
        for (const signal of signals)
            process.on(signal, () => this.handle(signal));
    }
    handle(signal) {
        const { logger, exit, delaySeconds, graceSeconds, marginSeconds = 5 } = this.settings;
        if (this.stopping) {
            logger.error(`${signal} received again during the drain: exiting now, work still running is abandoned`);
            exit(1);
            return;
        }
        this.stopping = true;
        const lifecycle = this.app.get(lifecycle_service_1.LifecycleService);
        lifecycle.startDrain();
        logger.log(`${signal} received: readiness is 503; serving for ${delaySeconds}s more, then draining for up to ${graceSeconds}s`);
        const bound = (delaySeconds + graceSeconds + marginSeconds) * 1000;
        const forced = setTimeout(() => {
            logger.error(`drain did not finish within ${bound / 1000}s: forcing exit`);
            exit(1);
        }, bound);
        forced.unref();
        this.drain(lifecycle, delaySeconds).then(() => {
            clearTimeout(forced);
            logger.log('drained: exiting');
            exit(0);
        }, (error) => {
            clearTimeout(forced);
            logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
            exit(1);
        });
    }
    async drain(lifecycle, delaySeconds) {
        if (delaySeconds > 0)
            await new Promise((resolve) => setTimeout(resolve, delaySeconds * 1000));
        lifecycle.stopAccepting(this.app.getHttpServer());
        await this.app.close();
    }
}
exports.GracefulShutdown = GracefulShutdown;
//# sourceMappingURL=graceful-shutdown.js.map