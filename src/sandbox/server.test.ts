import { afterEach, describe, expect, it, vi } from 'vitest';
import { arrayContaining, objectContaining } from './test-matchers.ts';
import { createSandbox, type Sandbox } from './server.ts';

const T0 = Date.parse('2026-11-21T12:00:00Z');

const open: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sandbox) => sandbox.close()));
});

describe(createSandbox.name, () => {
  it('listens on a free port and answers at the upstream paths', async () => {
    const sandbox = createSandbox({ now: () => T0, initialAlbumsPerLanguage: 5 });
    open.push(sandbox);
    const base = await sandbox.listen(0);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.url).toBe(base);
    const response = await fetch(
      `${base}/api.php?__call=content.getAlbums&_format=json&_marker=0&ctx=web6dot0&api_version=4&n=3&p=1&languages=tamil`,
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { count: number; data: { image: string }[] };
    expect(body.data).toHaveLength(3);
    // Once listening, covers are served by the sandbox itself.
    const cover = body.data[0]?.image ?? '';
    expect(cover.startsWith(`${base}/__sandbox/jiosaavn/cdn/`)).toBe(true);
    const image = await fetch(cover.replace('150x150', '500x500'));
    expect(image.headers.get('content-type')).toBe('image/svg+xml');
    expect(await image.text()).toContain('width="500"');
    expect(sandbox.stats()).toEqual({ requests: { 'jiosaavn:content.getAlbums': 1 }, total: 1 });
  });

  it('describes its emulations and controls at GET /__sandbox', async () => {
    const sandbox = createSandbox({ now: () => T0, initialAlbumsPerLanguage: 1 });
    open.push(sandbox);
    const response = await sandbox.app.inject({ url: '/__sandbox' });
    expect(response.statusCode).toBe(200);
    const index = response.json<{
      faultKinds: string[];
      emulations: { name: string; endpoints: string[]; quirkKinds: { kind: string }[]; controls: { path: string }[] }[];
      controls: { path: string }[];
    }>();
    expect(index.faultKinds).toEqual(['status', 'rate_limit', 'delay', 'malformed_json', 'html', 'empty_body']);
    expect(index.emulations[0]).toMatchObject({
      name: 'jiosaavn',
      endpoints: arrayContaining(['jiosaavn:content.getAlbums', 'jiosaavn:song.getDetails']),
      quirkKinds: [objectContaining({ kind: 'empty_json' })],
    });
    expect(index.emulations[0]?.controls.map((control) => control.path)).toContain('/__sandbox/jiosaavn/release');
    expect(index.controls.map((control) => control.path)).toContain('/__sandbox/faults');
  });

  it('answers unknown routes with 404 JSON', async () => {
    const sandbox = createSandbox({ now: () => T0, initialAlbumsPerLanguage: 1 });
    open.push(sandbox);
    const response = await sandbox.app.inject({ url: '/v1/nothing' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: 'SANDBOX_NOT_FOUND' } });
  });

  it('releases on its clock every releaseIntervalMs and stops on close', async () => {
    const sandbox = createSandbox({
      now: () => T0,
      initialAlbumsPerLanguage: 1,
      releaseIntervalMs: 10,
      correctionRate: 0,
    });
    const start = sandbox.jiosaavn.catalog().albums.length;
    await vi.waitFor(() => expect(sandbox.jiosaavn.catalog().albums.length).toBeGreaterThan(start + 2), {
      timeout: 3000,
      interval: 10,
    });
    await sandbox.close();
    const atClose = sandbox.jiosaavn.catalog().albums.length;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sandbox.jiosaavn.catalog().albums.length).toBe(atClose);
  });

  it('uses publicUrl for cover URLs when given', async () => {
    const sandbox = createSandbox({
      now: () => T0,
      initialAlbumsPerLanguage: 1,
      publicUrl: 'http://sandbox.local:4010/',
    });
    open.push(sandbox);
    const released = sandbox.jiosaavn.release({ language: 'hindi', songs: 1 });
    const correction = sandbox.jiosaavn.correct({ songId: released.songs[0]?.id ?? '', field: 'image' });
    expect(String(correction.after)).toMatch(
      /^http:\/\/sandbox\.local:4010\/__sandbox\/jiosaavn\/cdn\/\d+\/.+-150x150\.jpg$/,
    );
  });
});
