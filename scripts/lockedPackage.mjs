// Fetches a package exactly as package-lock.json pins it (version and sha512 integrity) and unpacks
// it: how a build gets another platform's runtime and keychain addon (npm installs only this
// machine's optional packages). `npm pack` downloads through the npm registry like `npm ci` does.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export function fetchLockedPackage(root, name, workDir) {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const entry = lock.packages[`node_modules/${name}`];
  if (!entry?.version || !entry.integrity) throw new Error(`${name} is not pinned in package-lock.json`);
  const dir = join(workDir, name.replace(/[@/]/g, '_'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('npm', ['pack', '--silent', `${name}@${entry.version}`, '--pack-destination', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = join(
    dir,
    readdirSync(dir).find((f) => f.endsWith('.tgz')),
  );
  const [algorithm, expected] = entry.integrity.split(/-(.*)/s);
  const actual = createHash(algorithm).update(readFileSync(tarball)).digest('base64');
  if (actual !== expected) throw new Error(`${name}@${entry.version}: integrity mismatch with package-lock.json; refusing to build with it`);
  execFileSync('tar', ['-xzf', tarball, '-C', dir]);
  return { dir: join(dir, 'package'), version: entry.version };
}
