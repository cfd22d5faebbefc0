"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.SchemaService = void 0;
const common_1 = require("@nestjs/common");
const ajv_1 = __importDefault(require("ajv"));
const _2020_1 = __importDefault(require("ajv/dist/2020"));
const ajv_formats_1 = __importDefault(require("ajv-formats"));
const domain_error_1 = require("../common/domain-error.js");
const json_validation_1 = require("../common/json-validation.js");
const MAX_ERRORS = 50;
const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;
const DRAFT_2020 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;
function newValidator(schema) {
    const declared = typeof schema === 'object' ? schema.$schema : undefined;
    const options = { allErrors: true, strict: false, validateFormats: true, loadSchema: undefined };
    let ajv;
    if (declared === undefined || (typeof declared === 'string' && DRAFT_2020.test(declared))) {
        ajv = new _2020_1.default(options);
    }
    else if (typeof declared === 'string' && DRAFT_07.test(declared)) {
        ajv = new ajv_1.default(options);
    }
    else {
        throw new domain_error_1.DomainError('INVALID_QUEUE_DEFINITION', `incoming.schema: unsupported $schema ${JSON.stringify(declared)} (use draft 2020-12 or draft-07)`);
    }
    (0, ajv_formats_1.default)(ajv);
    try {
        return ajv.compile(schema);
    }
    catch (error) {
        const reason = error.message;
        const remote = /can't resolve reference|missing ?ref/i.test(reason);
        throw new domain_error_1.DomainError('INVALID_QUEUE_DEFINITION', remote ? `incoming.schema: only local $ref is allowed (${reason})` : `incoming.schema is not a valid JSON Schema: ${reason}`);
    }
}
const BOOLEAN_SCHEMAS = { true: newValidator(true), false: newValidator(false) };
let SchemaService = class SchemaService {
    compiled = new WeakMap();
    check(definition) {
        this.validatorFor(definition);
    }
    validate(definition, body, label) {
        const validate = this.validatorFor(definition);
        if (validate(body))
            return;
        const errors = (validate.errors ?? []).slice(0, MAX_ERRORS);
        const where = label ? `${label}: ` : '';
        throw new domain_error_1.DomainError('MESSAGE_SCHEMA_INVALID', `${where}message does not match the schema of queue ${definition.name}: ${(0, json_validation_1.describeErrors)(errors, 5)}`, undefined, { queue: definition.name, errors });
    }
    validatorFor(definition) {
        const schema = definition.incoming.schema;
        if (typeof schema === 'boolean')
            return BOOLEAN_SCHEMAS[`${schema}`];
        let validate = this.compiled.get(schema);
        if (!validate) {
            validate = newValidator(schema);
            this.compiled.set(schema, validate);
        }
        return validate;
    }
};
exports.SchemaService = SchemaService;
exports.SchemaService = SchemaService = __decorate([
    (0, common_1.Injectable)()
], SchemaService);
//# sourceMappingURL=schema.service.js.map