// CORS for the web UIs of browserSignIn.origins, and for nobody else (the Fetch standard's CORS
// protocol): /token answers an allowed Origin with Access-Control-Allow-Origin set to exactly that
// origin and credentials allowed, so the UI's fetch(..., {credentials: 'include'}) carries the session
// cookie and may read the answer; a preflight from any other origin gets no CORS header at all.
import { errorBody, json } from './httpAnswers.js';
import type { Call, ServerContext } from './routes.js';

const ALLOWED_HEADERS = 'authorization, content-type';
const PREFLIGHT_MAX_AGE_S = 600;

/** Sets the CORS headers of an answer to an allowed web UI; says whether the Origin was one. */
export function allowWebUi(server: ServerContext, call: Call): boolean {
  const origin = server.browser?.allowedOrigin(call.request.headers.origin);
  call.response.setHeader('vary', 'Origin');
  if (!origin) return false;
  call.response.setHeader('access-control-allow-origin', origin);
  call.response.setHeader('access-control-allow-credentials', 'true');
  return true;
}

export function preflight(server: ServerContext, call: Call): void {
  if (!allowWebUi(server, call)) return json(call.response, 403, errorBody(403, 'this origin may not call the token server from a browser'));
  call.response.writeHead(204, {
    'access-control-allow-methods': 'GET, POST',
    'access-control-allow-headers': ALLOWED_HEADERS,
    'access-control-max-age': String(PREFLIGHT_MAX_AGE_S),
    'cache-control': 'no-store',
  });
  call.response.end();
}
