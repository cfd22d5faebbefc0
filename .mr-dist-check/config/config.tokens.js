"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.InjectConfig = exports.APP_CONFIG = void 0;
const common_1 = require("@nestjs/common");
exports.APP_CONFIG = Symbol('APP_CONFIG');
const InjectConfig = () => (0, common_1.Inject)(exports.APP_CONFIG);
exports.InjectConfig = InjectConfig;
//# sourceMappingURL=config.tokens.js.map