export type CheckStatus = 'ok' | 'degraded' | 'down' | 'disabled';

export interface CheckResult {
  status: CheckStatus;
  [detail: string]: unknown;
}

export interface HealthCheck {
  name: string;
  /** A critical check that fails makes the whole service `down` (503); any other failure makes it `degraded`. */
  critical: boolean;
  run(): Promise<CheckResult>;
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  checks: Record<string, CheckResult>;
}

/** A check built from a ping: `ok` with its latency when it resolves in time, `down` with the error otherwise. */
export function pingCheck(name: string, critical: boolean, ping: () => Promise<void>): HealthCheck {
  return {
    name,
    critical,
    async run() {
      const started = performance.now();
      await ping();
      return { status: 'ok', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    },
  };
}

/** Runs every registered check in parallel, each under a timeout, and folds them into one status. */
export class HealthRegistry {
  readonly #checks: HealthCheck[] = [];
  readonly #timeoutMs: number;

  constructor(timeoutMs = 2000) {
    this.#timeoutMs = timeoutMs;
  }

  add(check: HealthCheck): void {
    if (this.#checks.some((c) => c.name === check.name))
      throw new Error(`health check "${check.name}" registered twice`);
    this.#checks.push(check);
  }

  async report(): Promise<HealthReport> {
    const results = await Promise.all(
      this.#checks.map(async (check): Promise<[HealthCheck, CheckResult]> => {
        let timer: NodeJS.Timeout | undefined;
        try {
          const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
          });
          return [check, await Promise.race([check.run(), timeout])];
        } catch (err) {
          return [check, { status: 'down', error: (err as Error).message }];
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    let status: HealthReport['status'] = 'ok';
    const checks: Record<string, CheckResult> = {};
    for (const [check, result] of results) {
      checks[check.name] = result;
      if (result.status === 'down' && check.critical) status = 'down';
      else if ((result.status === 'down' || result.status === 'degraded') && status === 'ok') status = 'degraded';
    }
    return { status, checks };
  }
}
