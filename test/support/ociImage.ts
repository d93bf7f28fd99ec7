// A tiny valid OCI image layout made locally (no network): one gzip layer with one text file.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Returns a skopeo source reference such as oci:/tmp/x/image:v1. */
export async function makeOciImage(dir: string, content = 'hello from docker-credential-oidc\n'): Promise<string> {
  const layout = join(dir, 'image');
  const blobs = join(layout, 'blobs', 'sha256');
  const staging = join(dir, 'rootfs');
  await mkdir(blobs, { recursive: true });
  await mkdir(staging, { recursive: true });
  await writeFile(join(staging, 'hello.txt'), content);
  const layerPath = join(dir, 'layer.tar.gz');
  execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '-czf', layerPath, '-C', staging, 'hello.txt']);
  const layer = await readFile(layerPath);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/hello.txt'] },
      rootfs: { type: 'layers', diff_ids: [sha256(gunzipSync(layer))] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
    }),
  );
  for (const blob of [layer, config, manifest]) await writeFile(join(blobs, sha256(blob).slice(7)), blob);
  await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: sha256(manifest),
          size: manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': 'v1' },
        },
      ],
    }),
  );
  return `oci:${layout}:v1`;
}
