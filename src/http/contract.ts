import { Type, type Static } from 'typebox';

/**
 * The shared HTTP contract: the error body every route answers with, health, and guest tokens. Each job keeps its own
 * `contract.ts` beside its domain code; `web/` imports the types from these files, never a hand-written copy.
 */

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'A stable BACKBEAT_ERR_* code (see the README)' }),
      message: Type.String({ description: '4xx: what to fix; 5xx: a generic text (details are only logged)' }),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { title: 'ErrorBody', description: 'Every error answer' },
);
export type ErrorBody = Static<typeof ErrorBody>;

export const CheckResult = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down'), Type.Literal('disabled')]),
  },
  { additionalProperties: true, description: 'One check; other fields are check-specific details' },
);

export const HealthReport = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]),
    checks: Type.Record(Type.String(), CheckResult),
  },
  { title: 'HealthReport' },
);
export type HealthReport = Static<typeof HealthReport>;

export const GuestToken = Type.Object(
  {
    token: Type.String({ description: 'Send as "Authorization: Bearer <token>"' }),
    userId: Type.String(),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { title: 'GuestToken' },
);
export type GuestToken = Static<typeof GuestToken>;

/** The standard error answers a route can give, for its `response` schema (documented in OpenAPI). */
export function errorResponses<const S extends readonly number[]>(...statuses: S): Record<S[number], typeof ErrorBody> {
  const out = {} as Record<S[number], typeof ErrorBody>;
  for (const status of statuses) out[status as S[number]] = ErrorBody;
  return out;
}
