import type Router from 'find-my-way';
import { FilterSyntaxError, formatError, parseFilter } from '../../query/xray-filter/parser.js';
import { printFilter } from '../../query/xray-filter/ast.js';
import { sendJson } from '../http-util.js';

type R = Router.Instance<Router.HTTPVersion.V1>;

/**
 * `GET /api/xray/filter?expression=...`: parses an X-Ray filter expression for editors (the UI, scripts):
 * `{ok: true, normalized, ast}` or `{ok: false, error, position, caret}` with the position of the mistake.
 */
export function mountFilterCheck(router: R): void {
  router.get('/api/xray/filter', (req, res) => {
    const expr = new URL(req.url ?? '/', 'http://x').searchParams.get('expression');
    if (expr === null) return sendJson(res, 400, { ok: false, error: "parameter 'expression' is required" });
    try {
      const ast = parseFilter(expr);
      sendJson(res, 200, { ok: true, normalized: printFilter(ast), ast });
    } catch (err) {
      if (!(err instanceof FilterSyntaxError)) throw err;
      sendJson(res, 200, { ok: false, error: err.message, position: err.position, caret: formatError(expr, err) });
    }
  });
}
