/**
 * Import boundaries of the ports, checked with dependency-cruiser: an adapter family never imports another (shared
 * checks live beside the port, e.g. `cache.ts`, `queue-support.ts`), and the ports themselves import no adapter.
 */
import { cruise, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const ADAPTERS = ['memory', 'redis'];

const rules: IForbiddenRuleType[] = [
  ...ADAPTERS.map((family) => ({
    name: `${family}-imports-no-other-adapter`,
    severity: 'error' as const,
    from: { path: `^src/ports/${family}/` },
    to: { path: `^src/ports/(?!${family}/)(${ADAPTERS.join('|')})/` },
  })),
  {
    name: 'ports-import-no-adapter',
    severity: 'error',
    from: { path: '^src/ports/[^/]+[.]ts$' },
    to: { path: `^src/ports/(${ADAPTERS.join('|')})/` },
  },
];

describe('port import boundaries', () => {
  it('adapters import only the ports and their own family', async () => {
    const result = await cruise(['src/ports'], {
      validate: true,
      ruleSet: { forbidden: rules },
      includeOnly: '^src/',
      exclude: { path: '[.]test[.]ts$' },
      tsPreCompilationDeps: true,
    });
    const output = result.output as ICruiseResult;
    expect(output.summary.totalCruised).toBeGreaterThan(10);
    expect(output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  });
});
