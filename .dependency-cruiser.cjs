/**
 * Layering rules of Mailroom (npm run check:layers). A module is a top-level folder of src/
 * (cli, common, config, domain, health, lifecycle, http, messages, queues, security, sqs, storage, topics); common/ and config/
 * are the shared kernel every module may use, domain/ the vocabulary (types and constants) everything may use. See docs/development.md ("Layering").
 * Violations that existed when a rule was introduced are listed in
 * .dependency-cruiser-known-violations.json and ignored; any new one fails the check.
 */
const ADAPTERS = '^src/storage/(filesystem|sql)/';
const DOMAIN_MODULES = '^src/(queues|messages|topics|security|health|http|sqs)/';
/** The storage module's top-level files that are allowed to know the engines (see adapters-only-through-storage-module). */
const STORAGE_COMPOSITION_ROOT = '^src/storage/(storage\\.module|storage\\.service|storage-migrations)\\.ts$';
const SPEC = '\\.spec\\.ts$';
/**
 * Sub-folders whose top-level files are a public surface like a module's (the pull-consumer API
 * that SQS, metrics and the OpenAPI document build on); their own sub-folders stay internal.
 */
const PUBLIC_SUBFOLDERS = ['^src/messages/consumers/[^/]+$'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make load order matter and hide coupling: move the shared part into a file both can import.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-vocabulary-is-self-contained',
      severity: 'error',
      comment:
        'src/domain holds the shared vocabulary (messages, queues, topics, grants): plain types and constants that import only other src/domain files and node builtins.',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'observed-modules-never-import-health',
      severity: 'error',
      comment:
        'health/ observes storage, queues and messages (HealthModule imports them), so they never import health/; shared process state such as the drain lives in src/lifecycle, which both use.',
      from: { path: '^src/(storage|queues|messages|topics|security|lifecycle|domain|common|config)/', pathNot: SPEC },
      to: { path: '^src/health/' },
    },
    {
      name: 'domain-never-imports-adapters',
      severity: 'error',
      comment: 'Domain modules talk to storage through the ports (src/storage/ports) and StorageService, never to a storage engine directly.',
      from: { path: DOMAIN_MODULES, pathNot: SPEC },
      to: { path: ADAPTERS },
    },
    {
      name: 'adapters-only-through-storage-module',
      severity: 'error',
      comment:
        "Only the storage module's composition root knows the storage engines: storage.module.ts wires them, storage.service.ts opens a queue's store on the engine its definition names, storage-migrations.ts runs the SQL migrations for src/migrate.ts. The engines use their own files; tests may import them.",
      from: { path: '^src/', pathNot: [ADAPTERS, STORAGE_COMPOSITION_ROOT, '^src/storage/ports/', DOMAIN_MODULES, SPEC] },
      to: { path: ADAPTERS },
    },
    {
      name: 'ports-never-import-adapters',
      severity: 'error',
      comment: 'A port describes what any engine offers; it must not depend on one engine.',
      from: { path: '^src/storage/ports/' },
      to: { path: ADAPTERS },
    },
    {
      name: 'adapters-independent',
      severity: 'error',
      comment: 'The filesystem and SQL engines do not share code with each other; shared helpers go to src/common or the ports.',
      from: { path: '^src/storage/(filesystem|sql)/' },
      to: { path: '^src/storage/(filesystem|sql)/', pathNot: '^src/storage/$1/' },
    },
    {
      name: 'no-reaching-into-module-subfolders',
      severity: 'error',
      comment:
        "A module's sub-folders (e.g. messages/handlers, storage/sql) are its internals; other modules use the files at the module's top level (its services, decorators, schemas, types), storage/ports or messages/consumers.",
      from: { path: '^src/([^/]+)/', pathNot: SPEC },
      to: { path: '^src/[^/]+/[^/]+/', pathNot: ['^src/$1/', '^src/storage/ports/', ADAPTERS, ...PUBLIC_SUBFOLDERS] },
    },
    {
      name: 'no-importing-another-modules-http-wiring',
      severity: 'error',
      comment: 'Controllers, guards and strategies are registered by their own module only; share a service or decorator instead.',
      from: { path: '^src/([^/]+)/', pathNot: SPEC },
      to: { path: '^src/[^/]+/.*\\.(controller|guard|strategy)\\.ts$', pathNot: '^src/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage|bench/results|bench/tmp|bench/\\.dist-snapshot-)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.check.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
