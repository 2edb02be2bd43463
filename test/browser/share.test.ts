/**
 * The Share pages in a real browser (headless Chromium) against a real stack on a real socket. The listener page
 * follows a session fed from Node over the host WebSocket (a generated sine in pcm_f32 chunks, metadata with LRC
 * lines 1.5 s apart): title and artist, the highlighted lyric line moving on, audio buffers scheduled after the
 * tap, the listener count, and the ended state once the host stops. Also: the code form, a code with no session,
 * and the host page streaming an uploaded WAV file to a listener socket in Node.
 *
 * One stack and one browser for the file.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { encodeAudioFrame } from '../../src/domain/audio-frame.ts';
import type { StartResponse, StopResponse } from '../../src/share/contract.ts';
import { browserSkipReason, screenshot, startBrowserStack } from '../support/browser.ts';
import { openShareSocket, wsUrl, type ShareSocket } from '../support/share-client.ts';
import type { Stack, TestDb } from '../support/stack.ts';

const WAIT = { timeout: 15_000 };
const BEARER_TOKEN = 'share-test-token-0123';
const SAMPLE_RATE = 48_000;
const CHUNK_MS = 100;

const skipReason = browserSkipReason();
if (skipReason) console.warn(`test/browser: skipping the Share browser tests: ${skipReason}`);

/** Records what the page's Content-Security-Policy blocked, as a console error the suite collects. */
const CSP_REPORTER = `document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
});`;

/** Twelve lines, 1.5 s apart from 0: the highlighted line must move within a few seconds. */
const LYRIC_LINES = Array.from({ length: 12 }, (_, i) => `Line ${i + 1} of the test song`);
const LRC = [
  '[ti:Sine Test]',
  '[ar:Backbeat Tests]',
  ...LYRIC_LINES.map((text, i) => {
    const t = i * 1.5;
    const mm = String(Math.floor(t / 60)).padStart(2, '0');
    const ss = (t % 60).toFixed(2).padStart(5, '0');
    return `[${mm}:${ss}]${text}`;
  }),
].join('\n');

/** A random code no other test of this file uses. */
let nextCode = 100_000 + Math.floor(Math.random() * 800_000);
const freshCode = () => String(nextCode++);

/** 100 ms of an interleaved stereo sine as little-endian float32 bytes, continuing from sample `offset`. */
function sineChunk(offset: number, frames: number, hz = 440): Uint8Array {
  const out = new Uint8Array(frames * 2 * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < frames; i += 1) {
    const v = 0.2 * Math.sin((2 * Math.PI * hz * (offset + i)) / SAMPLE_RATE);
    view.setFloat32(i * 8, v, true);
    view.setFloat32(i * 8 + 4, v, true);
  }
  return out;
}

/** A WAV file (16-bit PCM, stereo) of a sine, for the host page's file input. */
function wavFile(seconds: number, rate = 44_100): Buffer {
  const frames = Math.round(seconds * rate);
  const data = Buffer.alloc(frames * 4);
  for (let i = 0; i < frames; i += 1) {
    const v = Math.round(0.25 * 32767 * Math.sin((2 * Math.PI * 330 * i) / rate));
    data.writeInt16LE(v, i * 4);
    data.writeInt16LE(v, i * 4 + 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(2, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/**
 * A host in Node: the host WebSocket, a sine chunk every 100 ms (paced by the clock, sequence numbers rising) and
 * metadata every second with the track's position.
 */
class NodeHost {
  private readonly ws: WebSocket;
  private timer: NodeJS.Timeout | undefined;
  private sequence = 0;
  private readonly started = Date.now();
  private lastMetadata = 0;
  sentChunks = 0;

  constructor(base: string, code: string) {
    this.ws = new WebSocket(wsUrl(base, `/api/share/${code}/host?token=${BEARER_TOKEN}`));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.on('error', () => undefined);
    this.sendMetadata();
    this.timer = setInterval(() => this.tick(), 20);
  }

  private tick(): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const due = Math.floor((Date.now() - this.started) / CHUNK_MS) + 1;
    const frames = (SAMPLE_RATE * CHUNK_MS) / 1000;
    while (this.sequence < due) {
      this.ws.send(
        encodeAudioFrame({
          codec: 'pcm_f32',
          channels: 2,
          sampleRate: SAMPLE_RATE,
          sequenceNumber: this.sequence,
          timestamp: this.started + this.sequence * CHUNK_MS,
          data: sineChunk(this.sequence * frames, frames),
        }),
      );
      this.sequence += 1;
      this.sentChunks += 1;
    }
    if (Date.now() - this.lastMetadata >= 1000) this.sendMetadata();
  }

  private sendMetadata(): void {
    this.lastMetadata = Date.now();
    this.ws.send(
      JSON.stringify({
        type: 'metadata',
        title: 'Sine Test',
        artist: 'Backbeat Tests',
        lyrics: LRC,
        hasSyncedLyrics: true,
        elapsedSeconds: (Date.now() - this.started) / 1000,
        totalSeconds: 120,
        timestamp: Date.now(),
      }),
    );
  }

  close(): void {
    clearInterval(this.timer);
    this.ws.close();
  }
}

describe.skipIf(skipReason !== undefined)(
  `Share pages in Chromium (embedded)${skipReason ? ` — skipped: ${skipReason}` : ''}`,
  () => {
    let db: TestDb | undefined;
    let stack: Stack | undefined;
    let url: string;
    let browser: Browser | undefined;
    let context: BrowserContext;
    const pageErrors: string[] = [];
    const consoleErrors: string[] = [];
    const hosts: NodeHost[] = [];
    const sockets: ShareSocket[] = [];

    beforeAll(async () => {
      ({ browser, db, stack, url } = await startBrowserStack('browser-share', { BEARER_TOKEN }));
      context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
      await context.addInitScript(CSP_REPORTER);
      context.on('weberror', (err) => pageErrors.push(err.error().message));
      context.on('console', (msg) => {
        if (msg.type() === 'error') consoleErrors.push(`${msg.text()} (${msg.location().url})`);
      });
    });

    afterAll(async () => {
      for (const host of hosts) host.close();
      for (const socket of sockets) socket.close();
      await context?.close();
      await browser?.close();
      await stack?.close();
      await db?.close();
    });

    async function api<T>(method: 'POST' | 'GET', path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${BEARER_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      expect(res.status, text).toBe(200);
      return JSON.parse(text) as T;
    }

    const currentLine = async (page: Page) =>
      Number(
        (await page
          .locator('[data-testid="share-lyric-line"][aria-current="true"]')
          .getAttribute('data-index', { timeout: 1000 })
          .catch(() => null)) ?? -1,
      );
    const scheduled = async (page: Page) =>
      Number(await page.getByTestId('share-buffer').getAttribute('data-scheduled'));

    it('follows a live session: metadata, moving lyrics, scheduled audio, listener count, then the end', async () => {
      const code = freshCode();
      const started = await api<StartResponse>('POST', '/api/share/start', { sessionId: code });
      expect(started.shareUrl).toBe(`${url}/share/${code}?t=${encodeURIComponent(started.listenerToken)}`);
      const host = new NodeHost(url, code);
      hosts.push(host);
      await host.start();

      const page = await context.newPage();
      await page.goto(`${url}/share/${code}?t=${encodeURIComponent(started.listenerToken)}`, {
        waitUntil: 'domcontentloaded',
      });
      await page.locator('[data-testid="share-state"][data-state="live"]').waitFor(WAIT);
      await expect.poll(() => page.getByTestId('share-title').textContent(), WAIT).toBe('Sine Test');
      expect(await page.getByTestId('share-artist').textContent()).toBe('Backbeat Tests');
      expect(await page.title()).toBe(`Sine Test · Share ${code} · Backbeat`);
      expect(await page.getByTestId('nav-share').getAttribute('aria-current')).toBe('page');

      // Someone listens: this page's socket.
      await expect
        .poll(async () => Number(await page.getByTestId('share-listeners').getAttribute('data-count')), WAIT)
        .toBeGreaterThanOrEqual(1);
      expect(await page.getByTestId('share-listeners').textContent()).toMatch(/^\d+ listeners?$/);

      // Synced lyrics: every line shown, one highlighted, moving on with the clock.
      await expect.poll(() => page.getByTestId('share-lyric-line').count(), WAIT).toBe(LYRIC_LINES.length);
      expect(await page.getByTestId('share-lyric-line').allTextContents()).toEqual(LYRIC_LINES);
      await expect.poll(() => currentLine(page), WAIT).toBeGreaterThanOrEqual(0);
      const firstLine = await currentLine(page);
      await expect.poll(() => currentLine(page), { timeout: 6000 }).toBeGreaterThan(firstLine);
      expect(await page.locator('[data-testid="share-lyric-line"][aria-current="true"]').count()).toBe(1);

      // The progress bar moves between metadata updates.
      const elapsedA = Number(await page.getByTestId('share-progress').getAttribute('data-elapsed'));
      await page.waitForTimeout(400);
      const elapsedB = Number(await page.getByTestId('share-progress').getAttribute('data-elapsed'));
      expect(elapsedB).toBeGreaterThan(elapsedA);
      expect(await page.getByTestId('share-total').textContent()).toBe('2:00');

      // No sound before the tap; after it, AudioBuffers are scheduled, ever more.
      expect(await scheduled(page)).toBe(0);
      await page.getByTestId('share-listen').click();
      expect(await page.getByTestId('share-listen').getAttribute('aria-pressed')).toBe('true');
      await expect.poll(() => scheduled(page), WAIT).toBeGreaterThan(3);
      const before = await scheduled(page);
      await expect.poll(() => scheduled(page), WAIT).toBeGreaterThan(before + 5);
      const buffer = page.getByTestId('share-buffer');
      expect(await buffer.getAttribute('data-player')).toBe('playing');
      const bufferedMs = Number(await buffer.getAttribute('data-buffered-ms'));
      expect(bufferedMs).toBeGreaterThanOrEqual(0);
      expect(bufferedMs).toBeLessThan(1500);
      expect(await buffer.textContent()).toMatch(/Buffer \d+ ms/);
      await screenshot(page, 'share-listen', true);

      // The host stops: the page says so and stops connecting.
      const stopped = await api<StopResponse>('POST', `/api/share/${code}/stop`, {});
      expect(stopped.bytesTransferred).toBeGreaterThan(0);
      host.close();
      await page.locator('[data-testid="share-ended"][data-reason="ended"]').waitFor(WAIT);
      expect(await page.getByTestId('share-ended').textContent()).toContain('The host ended this session');
      expect(await page.getByTestId('share-state').getAttribute('data-state')).toBe('ended');
      // The bar stops where the session did.
      const endedAt = await page.getByTestId('share-progress').getAttribute('data-elapsed');
      await page.waitForTimeout(1500);
      expect(await page.getByTestId('share-state').getAttribute('data-state')).toBe('ended');
      expect(await page.getByTestId('share-progress').getAttribute('data-elapsed')).toBe(endedAt);
      await screenshot(page, 'share-ended');

      expect(pageErrors).toEqual([]);
      expect(consoleErrors).toEqual([]);
      await page.close();
    });

    it('opens a session from the code form (joining without a link), and says when a code has no session', async () => {
      const code = freshCode();
      await api<StartResponse>('POST', '/api/share/start', { sessionId: code });
      await api('POST', `/api/share/${code}/metadata`, {
        title: 'Typed Code',
        artist: 'Someone',
        lyrics: 'Just words\nwith no times',
        hasSyncedLyrics: false,
        elapsedSeconds: 3,
        totalSeconds: 30,
        timestamp: Date.now(),
      });

      const page = await context.newPage();
      await page.goto(`${url}/share`, { waitUntil: 'domcontentloaded' });
      await page.getByTestId('share-landing').waitFor(WAIT);
      await page.getByTestId('share-code-input').fill('12');
      await page.getByTestId('share-code-submit').click();
      expect(await page.getByRole('alert').textContent()).toMatch(/six digits/);
      await page.getByTestId('share-code-input').fill(`${code.slice(0, 3)} ${code.slice(3)}`);
      await page.getByTestId('share-code-submit').click();
      await page.waitForURL(`${url}/share/${code}`, WAIT);
      await page.locator('[data-testid="share-state"][data-state="live"]').waitFor(WAIT);
      await expect.poll(() => page.getByTestId('share-title').textContent(), WAIT).toBe('Typed Code');
      // Plain lyrics: shown, none highlighted.
      expect(await page.getByTestId('share-lyrics').getAttribute('data-synced')).toBe('false');
      expect(await page.getByTestId('share-lyric-line').allTextContents()).toEqual(['Just words', 'with no times']);
      expect(await page.locator('[aria-current="true"][data-testid="share-lyric-line"]').count()).toBe(0);

      // On a phone: one column, nothing wider than the screen, the header with its four links.
      await page.setViewportSize({ width: 390, height: 844 });
      await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth), WAIT).toBeLessThanOrEqual(390);
      expect(await page.getByTestId('nav-share').isVisible()).toBe(true);
      expect(await page.getByTestId('share-listen').isVisible()).toBe(true);
      await screenshot(page, 'share-listen-phone', true);
      await page.setViewportSize({ width: 1280, height: 900 });

      // A code nobody uses.
      const missing = freshCode();
      const consoleBefore = consoleErrors.length;
      await page.goto(`${url}/share/${missing}`, { waitUntil: 'domcontentloaded' });
      await page.getByTestId('share-not-found').waitFor(WAIT);
      expect(await page.getByTestId('share-not-found').textContent()).toContain(`No live session with code ${missing}`);
      await page.getByTestId('share-code-form').waitFor(WAIT);
      // The browser logs the join's 404 itself; nothing else.
      expect(consoleErrors.slice(consoleBefore).every((e) => /404/.test(e))).toBe(true);
      consoleErrors.splice(consoleBefore);

      await api('POST', `/api/share/${code}/stop`, {});
      expect(pageErrors).toEqual([]);
      expect(consoleErrors).toEqual([]);
      await page.close();
    });

    it('host page: starts a session from an uploaded WAV and streams it to listeners; Stop ends it', async () => {
      const page = await context.newPage();
      await page.goto(`${url}/share/host`, { waitUntil: 'domcontentloaded' });
      await page.getByTestId('share-host-page').waitFor(WAIT);
      const token = page.getByTestId('share-host-token');
      const fileInput = page.getByTestId('share-host-file');
      const lrcInput = page.getByTestId('share-host-lrc');
      expect(await token.isVisible()).toBe(true);
      expect(await fileInput.isVisible()).toBe(true);
      expect(await lrcInput.isVisible()).toBe(true);
      expect(await page.getByTestId('share-host-code-input').inputValue()).toMatch(/^\d{6}$/);

      // A wrong token is said in words, and nothing starts.
      const code = freshCode();
      await page.getByTestId('share-host-code-input').fill(code);
      await token.fill('not-the-token');
      await fileInput.setInputFiles({
        name: 'Test Artist - Uploaded Tone.wav',
        mimeType: 'audio/wav',
        buffer: wavFile(8),
      });
      expect(await page.getByTestId('share-host-title').inputValue()).toBe('Uploaded Tone');
      expect(await page.getByTestId('share-host-artist').inputValue()).toBe('Test Artist');
      await lrcInput.setInputFiles({ name: 'tone.lrc', mimeType: 'text/plain', buffer: Buffer.from(LRC) });
      await page.getByTestId('share-host-lrc-note').waitFor(WAIT);
      const consoleBefore = consoleErrors.length;
      await page.getByTestId('share-host-start').click();
      await expect
        .poll(() => page.getByTestId('share-host-error').textContent(), WAIT)
        .toMatch(/refused this share token/);
      expect(consoleErrors.slice(consoleBefore).every((e) => /403/.test(e))).toBe(true);
      consoleErrors.splice(consoleBefore);

      await token.fill(BEARER_TOKEN);
      await page.getByTestId('share-host-start').click();
      await page.getByTestId('share-host-live').waitFor(WAIT);
      expect(await page.getByTestId('share-host-code').textContent()).toBe(code);
      const link = await page.getByTestId('share-host-link').inputValue();
      expect(link).toMatch(new RegExp(`^${url}/share/${code}\\?t=`));
      // The token is remembered for next time.
      expect(await page.evaluate(() => localStorage.getItem('backbeat:share-token'))).toBe(BEARER_TOKEN);

      // A listener in Node, with the link's token, hears pcm_f32 frames from the page.
      const listenerToken = new URL(link).searchParams.get('t')!;
      const socket = await openShareSocket(
        wsUrl(url, `/api/share/${code}/listen?token=${encodeURIComponent(listenerToken)}`),
      );
      sockets.push(socket);
      await socket.until(() => socket.frames.length >= 5, 10_000, 'five audio frames');
      const frame = socket.frames[socket.frames.length - 1]!;
      expect(frame.codec).toBe('pcm_f32');
      expect(frame.channels).toBe(2);
      expect(frame.data.byteLength).toBeGreaterThan(0);
      const sequences = socket.frames.map((f) => f.sequenceNumber);
      expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
      await socket.until(
        () => socket.texts.some((m) => m.type === 'metadata' && m.metadata.title === 'Uploaded Tone'),
        5000,
        'the page’s metadata',
      );
      const metadata = socket.texts.findLast((m) => m.type === 'metadata');
      expect(metadata?.type === 'metadata' && metadata.lyrics?.synced).toBe(true);
      expect(metadata?.type === 'metadata' && metadata.metadata.artist).toBe('Test Artist');
      await expect
        .poll(async () => Number(await page.getByTestId('share-host-listeners').getAttribute('data-count')), WAIT)
        .toBeGreaterThanOrEqual(1);
      expect(await page.getByTestId('share-host-elapsed').textContent()).toMatch(/^0:0\d \/ 0:08$/);
      await screenshot(page, 'share-host-live', true);

      await page.getByTestId('share-host-stop').click();
      await page.getByTestId('share-host-summary').waitFor(WAIT);
      expect(await page.getByTestId('share-host-summary').textContent()).toMatch(/relayed [\d.]+ (KB|MB) of audio/);
      expect((await socket.closed).code).toBe(4000);

      expect(pageErrors).toEqual([]);
      expect(consoleErrors).toEqual([]);
      await page.close();
    });
  },
);
