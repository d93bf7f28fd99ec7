// A registry web UI as the Joxit docker-registry-ui runs with SINGLE_REGISTRY and NGINX_PROXY_PASS_URL:
// a page on its own loopback origin that reaches the registry's /v2/ through its own server (same
// origin), and follows the registry's Bearer challenge to the token server's realm with
// fetch(..., {credentials: 'include'}), so the token server's session cookie goes along. It lists the
// catalog and keeps the repositories whose tags it may read: what the person sees.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebUi {
  origin: string;
  /** Where /v2/ goes, and the token server the sign-in links point at. */
  proxyTo(registryUrl: string, tokenServerUrl: string): void;
  stop(): Promise<void>;
}

const page = (origin: string, tokenServer: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>Registry</title></head>
<body>
<h1>Registry</h1>
<a id="signin" href="${tokenServer}/login?return=${encodeURIComponent(`${origin}/`)}">Sign in</a>
<a id="signout" href="${tokenServer}/logout?return=${encodeURIComponent(`${origin}/`)}">Sign out</a>
<pre id="repos"></pre>
<p id="status">loading</p>
<script>
async function withToken(path) {
  const first = await fetch(path);
  if (first.status !== 401) return first;
  const challenge = first.headers.get('www-authenticate') || '';
  const params = Object.fromEntries([...challenge.matchAll(/(\\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const realm = new URL(params.realm);
  realm.searchParams.set('service', params.service);
  if (params.scope) realm.searchParams.set('scope', params.scope);
  let token;
  try {
    const answer = await fetch(realm, { credentials: 'include' });
    token = (await answer.json()).token;
  } catch (error) {
    return first; // CORS refused: nothing
  }
  return fetch(path, { headers: { authorization: 'Bearer ' + token } });
}
(async () => {
  const shown = [];
  const catalog = await withToken('/v2/_catalog');
  const repositories = catalog.ok ? (await catalog.json()).repositories || [] : [];
  for (const repository of repositories) {
    const tags = await withToken('/v2/' + repository + '/tags/list');
    if (tags.ok) shown.push(repository + ':' + ((await tags.json()).tags || []).sort().join(','));
  }
  document.getElementById('repos').textContent = JSON.stringify(shown);
  document.getElementById('status').textContent = 'done';
})();
</script>
</body></html>`;

export async function startWebUi(): Promise<WebUi> {
  let registry = '';
  let tokenServer = '';
  let origin = '';
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      if (request.url?.startsWith('/v2/')) {
        const answer = await fetch(`${registry}${request.url}`, {
          headers: request.headers.authorization ? { authorization: request.headers.authorization } : {},
        });
        const headers: Record<string, string> = { 'content-type': answer.headers.get('content-type') ?? 'application/json' };
        const challenge = answer.headers.get('www-authenticate');
        if (challenge) headers['www-authenticate'] = challenge;
        response.writeHead(answer.status, headers);
        return void response.end(Buffer.from(await answer.arrayBuffer()));
      }
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(page(origin, tokenServer));
    })().catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    proxyTo(registryUrl, tokenServerUrl) {
      registry = registryUrl;
      tokenServer = tokenServerUrl;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
