import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, ERRORS, type ErrorCode } from '../errors.ts';

/** Maps Fastify's own error codes to our catalog so every error answer has one of our stable codes. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'BACKBEAT_ERR_BAD_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BACKBEAT_ERR_BAD_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BACKBEAT_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'BACKBEAT_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BACKBEAT_ERR_VALIDATION',
  FST_ERR_VALIDATION: 'BACKBEAT_ERR_VALIDATION',
};

function codeForStatus(status: number): ErrorCode {
  for (const [code, entry] of Object.entries(ERRORS) as [ErrorCode, { status: number }][]) {
    if (entry.status === status) return code;
  }
  return status >= 500 ? 'BACKBEAT_ERR_INTERNAL' : 'BACKBEAT_ERR_VALIDATION';
}

/**
 * One error handler for the whole app: every error becomes `{ error: { code, message } }` with a catalog code.
 * 4xx messages are shown (they tell the client what to fix); 5xx messages are replaced by the catalog's generic
 * text and the real error is logged.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    let code: ErrorCode;
    let status: number;
    let message = error.message;
    if (error instanceof AppError) {
      code = error.code;
      status = error.statusCode;
    } else if (error.validation) {
      code = 'BACKBEAT_ERR_VALIDATION';
      status = 400;
      message =
        `${error.validationContext ?? 'request'} ${error.validation[0]?.instancePath ?? ''} ${error.validation[0]?.message ?? 'is invalid'}`
          .replace(/\s+/g, ' ')
          .trim();
    } else if (error.code && FASTIFY_CODES[error.code]) {
      code = FASTIFY_CODES[error.code] as ErrorCode;
      status = ERRORS[code].status;
    } else {
      status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
      code = codeForStatus(status);
    }
    if (status >= 500) {
      request.log.error({ err: error, event: 'request_failed' }, 'request failed');
      message = ERRORS[code].message;
    }
    const details = error instanceof AppError && status < 500 ? error.details : undefined;
    const retryAfter = details?.retryAfterSeconds;
    if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
    void reply.status(status).send({ error: { code, message, ...(details ? { details } : {}) } });
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({
      error: {
        code: 'BACKBEAT_ERR_ROUTE_NOT_FOUND',
        message: `No route for ${request.method} ${request.url.split('?')[0]}`,
      },
    });
  });
}
