/**
 * Honeycomb's API error shape (RFC 7807-like, terraform-provider-honeycombio client/errors.go):
 * `{status, type, title, error, type_detail: [{field, code, description}]}`, served as
 * application/problem+json. Messages name the field and the problem; never SQL or engine text.
 */
export interface TypeDetail {
  field: string;
  code: 'invalid' | 'missing' | 'unknown' | 'too_long' | 'conflict';
  description: string;
}

export class HoneycombApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: TypeDetail[] = [],
    readonly problem: string = status === 400 || status === 422 ? 'validation-failed' : status === 401 ? 'unauthorized' : status === 404 ? 'not-found' : 'error',
  ) {
    super(message);
    this.name = 'HoneycombApiError';
  }

  body(): Record<string, unknown> {
    const body: Record<string, unknown> = {
      status: this.status,
      type: `https://api.honeycomb.io/problems/${this.problem}`,
      title: TITLES[this.status] ?? 'The request failed.',
      error: this.message,
    };
    if (this.details.length) body.type_detail = this.details;
    return body;
  }
}

const TITLES: Record<number, string> = {
  400: 'The provided input is invalid.',
  401: 'You are not authorized to access this resource.',
  404: 'The requested resource cannot be found.',
  413: 'The request body is too large.',
  415: 'The request content type is not supported.',
  422: 'The provided input is invalid.',
  500: 'Something went wrong.',
};

/** A 400 naming one field: `invalid('calculations[0].op', 'unknown op "P42"')`. */
export function invalid(field: string, description: string, code: TypeDetail['code'] = 'invalid'): HoneycombApiError {
  return new HoneycombApiError(400, `${field}: ${description}`, [{ field, code, description }]);
}

export function notFound(what: string): HoneycombApiError {
  return new HoneycombApiError(404, what);
}
