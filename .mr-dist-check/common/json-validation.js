"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.describeErrors = describeErrors;
exports.validateInput = validateInput;
exports.queryInt = queryInt;
const ajv_1 = __importDefault(require("ajv"));
const ajv_formats_1 = __importDefault(require("ajv-formats"));
const domain_error_1 = require("./domain-error.js");
const ajv = new ajv_1.default({ allErrors: true, strict: false, useDefaults: true, coerceTypes: false });
(0, ajv_formats_1.default)(ajv);
const cache = new WeakMap();
function describeErrors(errors, limit = 50) {
    return (errors ?? [])
        .slice(0, limit)
        .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`.trim())
        .join('; ');
}
function validateInput(schema, value, code = 'VALIDATION_FAILED', what = 'request') {
    let validate = cache.get(schema);
    if (!validate) {
        validate = ajv.compile(schema);
        cache.set(schema, validate);
    }
    if (!validate(value)) {
        throw new domain_error_1.DomainError(code, `Invalid ${what}: ${describeErrors(validate.errors)}`, validate.errors?.slice(0, 50));
    }
    return value;
}
function queryInt(raw, name, fallback, min, max) {
    if (raw === undefined || raw === '')
        return fallback;
    const text = String(raw);
    if (!/^\d+$/.test(text))
        throw new domain_error_1.DomainError('VALIDATION_FAILED', `${name} must be a whole number between ${min} and ${max}`);
    const value = Number(text);
    if (value < min || value > max)
        throw new domain_error_1.DomainError('VALIDATION_FAILED', `${name} must be between ${min} and ${max}`);
    return value;
}
//# sourceMappingURL=json-validation.js.map