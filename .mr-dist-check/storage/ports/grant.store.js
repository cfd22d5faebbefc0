"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.GrantStore = void 0;
class GrantStore {
}
exports.GrantStore = GrantStore;
//# sourceMappingURL=grant.store.js.map