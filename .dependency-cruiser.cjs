/**
 * Layering rules of Backbeat, checked by `npm run lint:deps` (part of `npm run check`). Each rule names the layer it
 * protects; see README "Architecture".
 */
const JOBS = '(releases|trending|matches|share|admin)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'provider-imports-no-job',
      comment: 'Providers map upstream payloads to the shared domain model (src/domain); they never reach into a job.',
      severity: 'error',
      from: { path: '^src/providers/' },
      to: { path: `^src/${JOBS}/` },
    },
    {
      name: 'domain-imports-no-fastify',
      comment:
        'Domain code (services, repositories, fetchers, streams, pure rules) takes plain values and connections; ' +
        'only routes, module wiring and the HTTP layer (src/http) know Fastify.',
      severity: 'error',
      from: {
        path: `^src/(${JOBS.slice(1, -1)}|domain|providers|ports)/`,
        pathNot: ['/routes[.]ts$', '/module[.]ts$', '/sandbox[.]ts$', '[.]test[.]ts$', '^src/ports/contracts/'],
      },
      to: { path: '^node_modules/(fastify|@fastify/)' },
    },
    {
      name: 'job-imports-no-app',
      comment: 'A job is registered by the app; it never imports the app, the container or the CLI.',
      severity: 'error',
      from: { path: `^src/${JOBS}/` },
      to: { path: '^src/(app|container|cli)[.]ts$' },
    },
    {
      name: 'job-imports-no-other-job',
      comment: "Jobs talk through ports and events; a job may read another's contract (types), nothing else.",
      severity: 'error',
      from: { path: `^src/${JOBS}/` },
      to: { path: `^src/${JOBS}/(?!contract[.]ts$)`, pathNot: '^src/$1/' },
    },
    {
      name: 'infrastructure-imports-no-job',
      comment: 'Ports, adapters, infra and the HTTP layer serve every job; they may name a job contract only.',
      severity: 'error',
      from: { path: '^src/(ports|infra|http|domain|db)/', pathNot: '[.]test[.]ts$' },
      to: { path: [`^src/${JOBS}/(?!contract[.]ts$)`, '^src/providers/'] },
    },
    {
      name: 'adapter-imports-no-other-adapter',
      comment: 'Adapter families (memory, redis) share helpers that live beside the port, never each other.',
      severity: 'error',
      from: { path: '^src/ports/(memory|redis)/' },
      to: { path: '^src/ports/(memory|redis)/', pathNot: '^src/ports/$1/' },
    },
    {
      name: 'port-imports-no-adapter',
      severity: 'error',
      from: { path: '^src/ports/[^/]+[.]ts$' },
      to: { path: '^src/ports/(memory|redis)/' },
    },
    {
      name: 'sandbox-framework-imports-no-provider',
      comment: 'src/sandbox is the framework; each upstream emulation lives in its provider folder (sandbox.ts).',
      severity: 'error',
      from: { path: '^src/sandbox/' },
      to: { path: '^src/providers/' },
    },
    {
      name: 'web-imports-only-contracts',
      comment:
        'The web app shares types with the server through the contract files and the pure domain module, nothing else.',
      severity: 'error',
      from: { path: '^web/src/' },
      to: {
        path: '^src/',
        pathNot: ['^src/(http|releases|trending|matches|share|admin)/contract[.]ts$', '^src/domain/'],
      },
    },
    {
      name: 'production-imports-no-test-code',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: ['[.]test[.]ts$', '^src/ports/contracts/', '^src/sandbox/test-(matchers|emulation)[.]ts$'],
      },
      to: {
        path: [
          '^test/',
          '^node_modules/vitest/',
          '^src/ports/contracts/',
          '^src/sandbox/test-(matchers|emulation)[.]ts$',
        ],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|web/dist|data|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
