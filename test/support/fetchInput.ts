// What a fake fetch was asked for, whichever of fetch's input forms the caller used.
export function urlOfInput(input: string | URL | Request): string {
  if (typeof input === 'string') return input;
  return input instanceof URL ? input.href : input.url;
}

/** A request body the code under test sent as text (a form, JSON); anything else is not expected here. */
export function textOfBody(body: RequestInit['body']): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  throw new Error(`unexpected request body type: ${Object.prototype.toString.call(body)}`);
}
