"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessageStore = exports.MESSAGE_STATUSES = void 0;
exports.MESSAGE_STATUSES = ['PENDING', 'INPROGRESS', 'COMPLETE', 'ERROR'];
class MessageStore {
    listeners = new Set();
    onAvailable(listener) {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
    }
    emitAvailable(queue) {
        for (const listener of this.listeners)
            listener(queue);
    }
}
exports.MessageStore = MessageStore;
//# sourceMappingURL=message.store.js.map