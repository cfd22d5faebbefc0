"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.AvailabilityWaiter = void 0;
class AvailabilityWaiter {
    signalled = false;
    wake = null;
    disposers = [];
    constructor(queue, events, store, signal) {
        const notify = () => {
            this.signalled = true;
            this.wake?.();
        };
        this.disposers.push(events.subscribe((event) => {
            if (event.queue === queue && (event.type === 'pushed' || event.type === 'returned'))
                notify();
        }), store.onAvailable((name) => {
            if (name === queue)
                notify();
        }));
        signal.addEventListener('abort', notify, { once: true });
        this.disposers.push(() => signal.removeEventListener('abort', notify));
    }
    wait(timeoutMs) {
        if (this.signalled || timeoutMs <= 0)
            return Promise.resolve();
        return new Promise((resolve) => {
            const timer = setTimeout(done, timeoutMs);
            const self = this;
            function done() {
                clearTimeout(timer);
                self.wake = null;
                resolve();
            }
            this.wake = done;
        });
    }
    dispose() {
        for (const dispose of this.disposers.splice(0))
            dispose();
        this.wake?.();
    }
}
exports.AvailabilityWaiter = AvailabilityWaiter;
//# sourceMappingURL=availability-waiter.js.map