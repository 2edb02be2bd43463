/**
 * A minimal upstream emulation for the framework's own tests, so the framework is tested without any provider's
 * emulation. Test-only.
 */
import type { Emulation } from './framework.ts';

/**
 * An upstream named `name` with two JSON endpoints, `one` (`GET /<name>/v1/one`) and `two` (`GET /<name>/v1/two`), a quirk kind
 * `odd` (variants `plain`, `loud`) answering `<variant>:<endpoint>` as text, and a control route
 * `GET /__sandbox/<name>/link` answering `{ url }`, a link built from the sandbox's public URL.
 */
export function fakeEmulation(name = 'fake'): Emulation {
  return {
    name,
    description: `The ${name} upstream`,
    endpoints: ['one', 'two'],
    quirks: {
      odd: {
        description: 'A plain-text answer',
        variants: ['plain', 'loud'],
        respond: (fault, endpoint) => ({
          status: fault.status ?? 200,
          contentType: 'text/plain',
          body: `${fault.variant ?? 'plain'}:${endpoint}`,
        }),
      },
    },
    controls: [{ method: 'GET', path: `/__sandbox/${name}/link`, description: 'A link to this upstream' }],
    register(app, context) {
      const sandbox = (endpoint: string) => ({ config: { sandbox: { target: name, endpoint } } });
      app.get(`/${name}/v1/one`, sandbox('one'), async () => ({
        count: 3,
        data: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
      }));
      app.get(`/${name}/v1/two`, sandbox('two'), async () => ({ id: 'two', data: [] }));
      app.get(`/__sandbox/${name}/link`, async () => ({
        url: `${context.publicUrl() ?? 'https://fake.test'}/${name}/v1/two`,
      }));
    },
    reset: () => undefined,
  };
}
