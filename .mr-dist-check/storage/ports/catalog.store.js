"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CatalogStore = void 0;
class CatalogStore {
}
exports.CatalogStore = CatalogStore;
//# sourceMappingURL=catalog.store.js.map