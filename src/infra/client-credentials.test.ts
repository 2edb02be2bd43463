import { describe, expect, it } from 'vitest';
import { ClientCredentialsToken, type IssuedToken } from './client-credentials.ts';

const NOW = Date.parse('2026-03-10T12:00:00Z');

/** A token endpoint issuing `tok-1`, `tok-2`, … with the given lifetimes (the last one repeats). */
function issuer(lifetimes: (number | null)[] = [3600]) {
  let issued = 0;
  const fetchToken = async (): Promise<IssuedToken> => {
    issued += 1;
    return { accessToken: `tok-${issued}`, expiresInSeconds: lifetimes[Math.min(issued, lifetimes.length) - 1]! };
  };
  return {
    fetchToken,
    get issued() {
      return issued;
    },
  };
}

function setup(
  lifetimes?: (number | null)[],
  options: { renewAtHalfLife?: boolean; defaultLifetimeSeconds?: number } = {},
) {
  let clock = NOW;
  const endpoint = issuer(lifetimes);
  const token = new ClientCredentialsToken({
    fetchToken: endpoint.fetchToken,
    now: () => clock,
    renewMarginMs: 60_000,
    ...options,
  });
  return {
    token,
    endpoint,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe(ClientCredentialsToken.name, () => {
  it('reuses the token until the renewal margin before its expiry, then asks for a new one', async () => {
    const { token, endpoint, advance } = setup();

    expect(await token.get()).toBe('tok-1');
    advance(3_540_000 - 1);
    expect(await token.get()).toBe('tok-1');
    advance(1);
    expect(await token.get()).toBe('tok-2');
    expect(endpoint.issued).toBe(2);
  });

  it('shares one in-flight request among concurrent callers', async () => {
    const { token, endpoint } = setup();

    const tokens = await Promise.all([token.get(), token.get(), token.get()]);

    expect(tokens).toEqual(['tok-1', 'tok-1', 'tok-1']);
    expect(endpoint.issued).toBe(1);
  });

  it('after a failed request, the next caller asks again', async () => {
    let calls = 0;
    const token = new ClientCredentialsToken({
      fetchToken: async () => {
        calls += 1;
        if (calls === 1) throw new Error('refused');
        return { accessToken: 'tok-ok', expiresInSeconds: 3600 };
      },
    });

    await expect(token.get()).rejects.toThrow('refused');
    expect(await token.get()).toBe('tok-ok');
  });

  it('invalidate drops the token it names, but not a newer one', async () => {
    const { token, endpoint } = setup();

    const first = await token.get();
    token.invalidate(first);
    expect(await token.get()).toBe('tok-2');
    token.invalidate(first);
    expect(await token.get()).toBe('tok-2');
    expect(endpoint.issued).toBe(2);
  });

  it('with renewAtHalfLife, renews at half a short life rather than at the margin', async () => {
    const { token, advance } = setup([100], { renewAtHalfLife: true });

    expect(await token.get()).toBe('tok-1');
    advance(50_000 - 1);
    expect(await token.get()).toBe('tok-1');
    advance(1);
    expect(await token.get()).toBe('tok-2');
  });

  it('keeps a token issued without expires_in for the default lifetime', async () => {
    const { token, advance } = setup([null], { defaultLifetimeSeconds: 1_800 });

    expect(await token.get()).toBe('tok-1');
    advance(1_740_000 - 1);
    expect(await token.get()).toBe('tok-1');
    advance(1);
    expect(await token.get()).toBe('tok-2');
  });

  it('without a default lifetime, a token issued without expires_in is an error', async () => {
    const { token } = setup([null]);

    await expect(token.get()).rejects.toThrow(/without expires_in/);
  });
});
