"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SQL_MIGRATIONS = void 0;
const _1764000000000_initial_schema_1 = require("./1764000000000-initial-schema.js");
exports.SQL_MIGRATIONS = [_1764000000000_initial_schema_1.InitialSchema1764000000000];
//# sourceMappingURL=sql-migrations.js.map