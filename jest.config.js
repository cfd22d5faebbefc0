const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

// Nest 12 and jose are ESM-only: Node 20 loads them through require(esm), but Jest's module
// system cannot, so they are compiled to CommonJS like our own sources.
const ESM_PACKAGES = ['@nestjs', 'jose', 'file-type', 'load-esm', 'uid', 'strtok3', 'token-types', 'peek-readable', '@tokenizer'];

module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '.*\\.spec\\.ts$',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  moduleNameMapper: { '^@app/(.*)$': '<rootDir>/src/$1', '^@test/(.*)$': '<rootDir>/test/$1' },
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/support/env.ts'],
  testTimeout: 30000,
  // both cores of the CI machine (the default, cores - 1, leaves one idle)
  maxWorkers: 2,
};
