// The web UIs' sign-in endpoints (browserSignIn.ts): GET /login?return=URL, GET /callback (the
// provider's redirect), GET or POST /logout[?return=URL]. Every way back goes to an allowed origin
// only; what the person sees on a failure is one line on a plain page, never a code or token.
import { SignInRefused } from './browserSignIn.js';
import { json } from './httpAnswers.js';
import { HttpFailure } from './httpRequest.js';
import type { Call, Route, ServerContext } from './routes.js';
import { allowWebUi } from './webUiCors.js';

function browserOf(server: ServerContext) {
  if (!server.browser) throw new HttpFailure(404, 'browser sign-in is not configured (browserSignIn in the configuration)');
  return server.browser;
}

function redirect(call: Call, location: string, cookies: string[]): void {
  call.response.writeHead(303, { location, 'set-cookie': cookies, 'cache-control': 'no-store', 'content-length': 0 });
  call.response.end();
}

function page(call: Call, status: number, line: string, cookies: string[] = []): void {
  const text = `${line}\n`;
  const headers = {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
    'x-content-type-options': 'nosniff',
  };
  call.response.writeHead(status, cookies.length ? { ...headers, 'set-cookie': cookies } : headers);
  call.response.end(text);
}

export const loginRoute: Route = async (server, call) => {
  const browser = browserOf(server);
  if (call.request.method !== 'GET') throw new HttpFailure(405, 'use GET');
  const returnTo = browser.allowedReturn(call.target.query.get('return'));
  if (!returnTo) throw new HttpFailure(400, 'return must be a page of one of the web UIs in browserSignIn.origins');
  try {
    const { location, cookie } = await browser.start(returnTo, Date.now() / 1000);
    redirect(call, location, [cookie]);
  } catch (error) {
    if (!(error instanceof SignInRefused)) throw error;
    page(call, 503, `sign-in is not possible now: ${error.message}`);
  }
};

export const callbackRoute: Route = async (server, call) => {
  const browser = browserOf(server);
  if (call.request.method !== 'GET') throw new HttpFailure(405, 'use GET');
  try {
    const result = await browser.finish(call.target.query, call.request.headers.cookie, Date.now() / 1000);
    const base = { time: new Date().toISOString(), msg: 'decision', route: '/callback', client: call.client };
    if (!result.subject) {
      // The person sees why (a wrong audience, a refusal at the provider) rather than a silent return.
      server.log({ ...base, outcome: 'refused', reason: result.refused });
      return page(call, 403, `sign-in refused: ${result.refused}; back to ${result.returnTo}`, [result.cookie]);
    }
    server.log({
      ...base,
      outcome: 'issued',
      subject: result.subject.sub,
      username: result.subject.username,
      provider: result.subject.idp,
      granted: ['browser session'],
    });
    redirect(call, result.returnTo, [result.cookie]);
  } catch (error) {
    if (!(error instanceof SignInRefused)) throw error;
    server.limiter.recordFailure(call.client, Date.now());
    server.log({ time: new Date().toISOString(), msg: 'decision', route: '/callback', client: call.client, outcome: 'refused', reason: error.message });
    page(call, 400, `sign-in failed: ${error.message}`);
  }
};

export const logoutRoute: Route = async (server, call) => {
  const browser = browserOf(server);
  if (call.request.method !== 'GET' && call.request.method !== 'POST') throw new HttpFailure(405, 'use GET or POST');
  const cookie = await browser.sessions.endSession(call.request.headers.cookie, Date.now() / 1000);
  server.log({ time: new Date().toISOString(), msg: 'decision', route: '/logout', client: call.client, outcome: 'issued', granted: ['signed out'] });
  const returnTo = browser.allowedReturn(call.target.query.get('return'));
  if (returnTo) return redirect(call, returnTo, [cookie]);
  allowWebUi(server, call);
  call.response.setHeader('set-cookie', cookie);
  json(call.response, 200, { status: 'signed out' });
};
