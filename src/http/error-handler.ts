import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, ERRORS, type ErrorCode } from '../errors.ts';
import { isClientRoute } from './web.ts';

/** Maps Fastify's own error codes to our catalog so every error answer has one of our stable codes. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'BACKBEAT_ERR_BAD_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BACKBEAT_ERR_BAD_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BACKBEAT_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'BACKBEAT_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BACKBEAT_ERR_VALIDATION',
  FST_ERR_VALIDATION: 'BACKBEAT_ERR_VALIDATION',
};

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

/**
 * One wording for every validation failure: `<location>/<field> <problem>`, e.g. `querystring/limit must be <= 100`,
 * `body/maxTokens is required`, `querystring/foo is not allowed`.
 */
export function validationMessage(context: string, issue: ValidationIssue | undefined): string {
  if (!issue) return `${context} is invalid`;
  const path = (issue.instancePath ?? '').replace(/^\/+/, '');
  const at = path ? `${context}/${path}` : context;
  const params = issue.params ?? {};
  if (issue.keyword === 'required' && typeof params.missingProperty === 'string') {
    return `${at}/${params.missingProperty} is required`;
  }
  if (issue.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return `${at}/${params.additionalProperty} is not allowed`;
  }
  return `${at} ${issue.message ?? 'is invalid'}`;
}

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
export function registerErrorHandling(app: FastifyInstance, options: { webApp?: boolean } = {}): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    // The static-file handler refuses paths it will not map to a file (non-canonical, or too long for its matcher):
    // for a client that is simply a route that does not exist.
    if (!(error instanceof AppError) && error.code === 'FST_STATIC_FORBIDDEN_PATH') return reply.callNotFound();
    let code: ErrorCode;
    let status: number;
    let message = error.message;
    if (error instanceof AppError) {
      code = error.code;
      status = error.statusCode;
    } else if (error.validation) {
      code = 'BACKBEAT_ERR_VALIDATION';
      status = 400;
      message = validationMessage(error.validationContext ?? 'request', error.validation[0]);
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
    // The web app's client-side routes (`/admin`, ...) load index.html; the app shows its own not-found page.
    if (options.webApp && 'sendFile' in reply && isClientRoute(request.method, request.url.split('?')[0]!)) {
      return reply.type('text/html').sendFile('index.html');
    }
    return reply.status(404).send({
      error: {
        code: 'BACKBEAT_ERR_ROUTE_NOT_FOUND',
        message: `No route for ${request.method} ${request.url.split('?')[0]}`,
      },
    });
  });
}
