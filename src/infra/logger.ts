import { pino, type Logger, type LoggerOptions } from 'pino';
import type { LogLevel } from '../config.ts';

export type { Logger };

/**
 * JSON lines on stdout with an ISO `timestamp` and the event name in `event`, as seed 001's monitoring section shows.
 * Every line carries `app: "backbeat"`; `service` is left to the lines about one upstream service (`jiosaavn`, …), so
 * no line carries a key twice. Secrets never reach the log: authorization headers and token fields are redacted.
 */
export function createLogger(level: LogLevel, options: LoggerOptions = {}): Logger {
  return pino({
    level,
    base: { app: 'backbeat' },
    timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.token',
        '*.accessToken',
        '*.adminToken',
        '*.password',
        'token',
      ],
      censor: '[redacted]',
    },
    ...options,
  });
}
