/**
 * A Share WebSocket client for tests: connects, and keeps every message (JSON text frames parsed, binary frames
 * decoded with the documented header) so a test can wait for what it expects.
 */
import { WebSocket } from 'ws';
import { decodeAudioFrame, type AudioFrame } from '../../src/domain/audio-frame.ts';
import type { ListenerMessage } from '../../src/share/contract.ts';

export interface ShareSocket {
  ws: WebSocket;
  texts: ListenerMessage[];
  frames: AudioFrame[];
  /** The close code and reason, once closed. */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves when `predicate` holds (checked on every message), or rejects after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): void;
}

/** Opens `url` (ws://…); rejects with the HTTP status when the upgrade is refused. */
export function openShareSocket(url: string, headers: Record<string, string> = {}): Promise<ShareSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const texts: ListenerMessage[] = [];
    const frames: AudioFrame[] = [];
    const waiters = new Set<() => void>();
    const notify = () => {
      for (const waiter of [...waiters]) waiter();
    };
    const closed = new Promise<{ code: number; reason: string }>((done) => {
      ws.on('close', (code, reason) => {
        done({ code, reason: reason.toString() });
        notify();
      });
    });
    ws.on('message', (data, isBinary) => {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
      if (isBinary) {
        const frame = decodeAudioFrame(new Uint8Array(bytes));
        frames.push({ ...frame, data: new Uint8Array(frame.data) });
      } else {
        texts.push(JSON.parse(bytes.toString('utf8')) as ListenerMessage);
      }
      notify();
    });
    ws.on('unexpected-response', (_request, response) => {
      reject(new Error(`upgrade refused: ${response.statusCode}`));
      ws.terminate();
    });
    ws.on('error', reject);
    ws.on('open', () => {
      const until = (predicate: () => boolean, timeoutMs = 5000, what = 'condition') =>
        new Promise<void>((ok, fail) => {
          if (predicate()) return ok();
          const timer = setTimeout(() => {
            waiters.delete(check);
            fail(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
          }, timeoutMs);
          const check = () => {
            if (!predicate()) return;
            clearTimeout(timer);
            waiters.delete(check);
            ok();
          };
          waiters.add(check);
        });
      resolve({ ws, texts, frames, closed, until, close: () => ws.close() });
    });
  });
}

/** The `ws://` form of an `http://` base URL. */
export const wsUrl = (base: string, path: string) => `${base.replace(/^http/, 'ws')}${path}`;
