"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.TopicPublisher = void 0;
class TopicPublisher {
}
exports.TopicPublisher = TopicPublisher;
//# sourceMappingURL=topic-publisher.js.map