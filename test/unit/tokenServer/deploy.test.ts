// The shipped deployment example and the documented configuration (docs/token-server.md) must be what the token server
// accepts: parsed with its own parser, mounted where the configuration looks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../../../src/tokenServer/config.js';
import { repoRoot } from '../../support/helperBinary.js';

test('deploy/kubernetes: the ConfigMap is a valid configuration, and its files are mounted where it says', () => {
  const documents = parseAllDocuments(readFileSync(join(repoRoot, 'deploy', 'kubernetes', 'token-server.yaml'), 'utf8')).map((doc) => doc.toJS());
  const configMap = documents.find((doc) => doc.kind === 'ConfigMap');
  const config = parseConfig(configMap.data['config.yaml'], 'ConfigMap token-server');
  const deployment = documents.find((doc) => doc.kind === 'Deployment');
  const container = deployment.spec.template.spec.containers[0];
  const mounts = container.volumeMounts as Array<{ mountPath: string; subPath?: string }>;
  assert.ok(
    mounts.some((mount) => mount.mountPath === '/etc/token-server/config.yaml'),
    'the Containerfile reads /etc/token-server/config.yaml',
  );
  for (const file of [config.signing.key, config.signing.certificate]) {
    assert.ok(
      mounts.some((mount) => file.startsWith(`${mount.mountPath}/`)),
      `${file} is mounted`,
    );
  }
  const port = Number(config.listen.split(':').at(-1));
  assert.equal(container.ports[0].containerPort, port);
  assert.equal(container.readinessProbe.httpGet.path, '/healthz');
  assert.match(readFileSync(join(repoRoot, 'deploy', 'Containerfile'), 'utf8'), /"token-server", "--config", "\/etc\/token-server\/config\.yaml"/);
});

test('docs/token-server.md: the configuration there is valid as printed', () => {
  const page = readFileSync(join(repoRoot, 'docs', 'token-server.md'), 'utf8');
  const section = page.slice(page.indexOf('**3. The token server**'));
  const block = /```yaml\n([\s\S]+?)```/.exec(section)?.[1];
  assert.ok(block, 'the section has a yaml block');
  const config = parseConfig(block, 'docs/token-server.md');
  assert.equal(config.service, 'registry.example.com');
  assert.equal(config.rules.length, 3);
});
