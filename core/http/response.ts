/**
 * What a handler may return. A plain value is sent as JSON with the route's success status;
 * an `HttpResponse` says exactly what to send (another status, headers, HTML).
 */
export class HttpResponse {
  readonly statusCode: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;

  constructor(statusCode: number, body?: unknown, headers: Record<string, string> = {}) {
    this.statusCode = statusCode;
    this.body = body;
    this.headers = headers;
  }
}

export const respond = (statusCode: number, body?: unknown, headers?: Record<string, string>): HttpResponse =>
  new HttpResponse(statusCode, body, headers);

export const noContent = (): HttpResponse => new HttpResponse(204);

export const html = (page: string, statusCode = 200): HttpResponse =>
  new HttpResponse(statusCode, page, { "content-type": "text/html; charset=utf-8" });
