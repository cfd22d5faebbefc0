"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CurrentPrincipal = void 0;
const common_1 = require("@nestjs/common");
exports.CurrentPrincipal = (0, common_1.createParamDecorator)((_data, context) => {
    return context.switchToHttp().getRequest().user;
});
//# sourceMappingURL=current-principal.decorator.js.map