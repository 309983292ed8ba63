/**
 * Answers taken from a store (an API cache hit, an idempotent replay) instead of the handler.
 *
 * middy 7 skips every `after` once a `before` returns a response early, so an early return would
 * send a stored answer without `x-request-id`, the access-log line, CORS or the RateLimit headers.
 * Instead the middleware records the answer here and the stack's handler is wrapped with
 * `servingStoredAnswers`: the handler step returns the stored answer, and every `after` runs.
 *
 * @example
 * middy().use(apiCache({ system, route })).handler(servingStoredAnswers(run));
 */
import type { HttpRequest, HttpResult } from "../event.ts";

const answers = new WeakMap<object, HttpResult>();

/** Makes `result` this request's answer; the handler will not run. */
export function answerWith(request: HttpRequest, result: HttpResult): void {
  answers.set(request.event, result);
}

/** Whether this request was answered from a store (so nothing should be stored again). */
export function isStoredAnswer(request: HttpRequest): boolean {
  return answers.has(request.event);
}

/**
 * True when a middleware recorded an answer but the handler ran anyway: the stack's handler was
 * not wrapped with `servingStoredAnswers`. Callers log it loudly, because a replay that runs the
 * handler again repeats a write.
 */
export function storedAnswerIgnored(request: HttpRequest): boolean {
  return answers.has(request.event) && request.response !== answers.get(request.event);
}

/** Wraps the stack's handler so a recorded answer is returned instead of running it. */
export function servingStoredAnswers<Event extends object, Context, Result>(
  handler: (event: Event, context: Context) => Promise<Result>,
): (event: Event, context: Context) => Promise<Result | HttpResult> {
  return async (event, context) => answers.get(event) ?? handler(event, context);
}
