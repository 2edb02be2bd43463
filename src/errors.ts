/**
 * The catalog of stable error codes. Every error response is `{ error: { code, message } }`; the HTTP status comes
 * from here, and messages are shown to clients only for 4xx (5xx answers carry a generic message).
 * README.md lists every code (a test checks it).
 */
export const ERRORS = {
  BACKBEAT_ERR_VALIDATION: { status: 400, message: 'The request is invalid' },
  BACKBEAT_ERR_BAD_JSON: { status: 400, message: 'The request body is not valid JSON' },
  BACKBEAT_ERR_UNAUTHORIZED: { status: 401, message: 'Authentication is required' },
  BACKBEAT_ERR_FORBIDDEN: { status: 403, message: 'This token may not do that' },
  BACKBEAT_ERR_NOT_FOUND: { status: 404, message: 'Not found' },
  BACKBEAT_ERR_ROUTE_NOT_FOUND: { status: 404, message: 'No such route' },
  BACKBEAT_ERR_TIMEOUT: { status: 408, message: 'The request was not received in time' },
  BACKBEAT_ERR_CONFLICT: { status: 409, message: 'Conflict' },
  BACKBEAT_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  BACKBEAT_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type' },
  BACKBEAT_ERR_UPGRADE_REQUIRED: { status: 426, message: 'This route needs a WebSocket upgrade' },
  BACKBEAT_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests' },
  BACKBEAT_ERR_HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large' },
  BACKBEAT_ERR_INTERNAL: { status: 500, message: 'Internal server error' },
  BACKBEAT_ERR_UPSTREAM: { status: 502, message: 'An upstream service failed' },
  BACKBEAT_ERR_UNAVAILABLE: { status: 503, message: 'Service unavailable' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** An error that maps to one catalog entry. Throw it from routes and services; the error handler renders it. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? ERRORS[code].message);
    this.name = 'AppError';
    this.code = code;
    this.statusCode = ERRORS[code].status;
    this.details = details;
  }
}

export const notFound = (message: string) => new AppError('BACKBEAT_ERR_NOT_FOUND', message);
