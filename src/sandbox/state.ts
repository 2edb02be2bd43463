/**
 * Where a sandbox keeps what must survive a restart (the port it listened on, each emulation's catalog position), so
 * that a restarted sandbox answers as if it had never stopped. One JSON document per slot name, in one directory.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One stored JSON document. */
export interface StateSlot {
  /** The stored value, or undefined when there is none (or it is not valid JSON). */
  read(): unknown;
  /** Replaces the stored value. */
  write(value: unknown): void;
}

/** Named slots: `server` for the sandbox itself, an emulation's name for its own state. */
export interface SandboxStateStore {
  slot(name: string): StateSlot;
}

const SLOT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/**
 * Keeps each slot as `<dir>/<name>.json`. Writes go to a temporary file renamed over the old one, so a crash never
 * leaves half a document.
 */
export function fileStateStore(dir: string): SandboxStateStore {
  return {
    slot(name) {
      if (!SLOT_NAME.test(name)) throw new Error(`Invalid sandbox state slot name "${name}"`);
      const file = join(dir, `${name}.json`);
      return {
        read() {
          let text: string;
          try {
            text = readFileSync(file, 'utf8');
          } catch {
            return undefined;
          }
          try {
            return JSON.parse(text) as unknown;
          } catch {
            return undefined;
          }
        },
        write(value) {
          mkdirSync(dir, { recursive: true });
          const temporary = `${file}.${process.pid}.tmp`;
          writeFileSync(temporary, `${JSON.stringify(value)}\n`);
          renameSync(temporary, file);
        },
      };
    },
  };
}

/** Keeps slots in memory (tests; a sandbox that forgets on exit needs no store at all). */
export function memoryStateStore(): SandboxStateStore {
  const values = new Map<string, string>();
  return {
    slot(name) {
      return {
        read: () => {
          const text = values.get(name);
          return text === undefined ? undefined : (JSON.parse(text) as unknown);
        },
        write: (value) => void values.set(name, JSON.stringify(value)),
      };
    },
  };
}
