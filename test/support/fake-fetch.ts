/**
 * Helpers shared by the provider client tests that inject a fake `fetch`: a record of each request sent, scripted
 * replies, and `caught` for asserting on a rejection.
 */

/** A request as the fake `fetch` received it. */
export interface RecordedRequest {
  url: URL;
  method: string;
  headers: Headers;
  body: string | undefined;
}

/** Answers a request; `n` is its 1-based rank among the requests to the same endpoint. */
export type Reply = (req: RecordedRequest, n: number) => Response;

/** Records what a fake `fetch` was called with (a string body as is; any other body as `undefined`). */
export function recordRequest(input: string | URL | Request, init?: RequestInit): RecordedRequest {
  return {
    url: new URL(input instanceof Request ? input.url : input),
    method: init?.method ?? 'GET',
    headers: new Headers(init?.headers),
    body: typeof init?.body === 'string' ? init.body : undefined,
  };
}

/** A JSON answer with the given status and extra headers. */
export const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  () =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** The error `promise` rejects with; fails the test if it resolves. */
export async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
