// A private Docker engine for one test file (Debian docker.io: dockerd 20.10 with its own containerd)
// started as root without systemd: its own socket, data and exec roots under a temp dir, no iptables
// and no bridge (nothing here needs a container network), the vfs storage driver (works on any
// filesystem). 127.0.0.0/8 registries are insecure by default, so the test registries need no TLS.
// It runs in its own process group and is killed with its containerd, and its directory removed,
// however the test ends.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DockerEngine {
  /** DOCKER_HOST for the clients. */
  host: string;
  logs(): Promise<string>;
  stop(): Promise<void>;
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const daemon of running) {
    try {
      if (daemon.pid) process.kill(-daemon.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

export async function startDockerEngine(): Promise<DockerEngine> {
  if (spawnSync('sh', ['-c', 'command -v dockerd']).status !== 0) {
    throw new Error('dockerd is missing: install Debian docker.io (bash scripts/install-system-deps.sh does)');
  }
  const dir = await mkdtemp(join(tmpdir(), 'dco-dockerd-'));
  const socket = join(dir, 'docker.sock');
  const daemon = spawn(
    'dockerd',
    [
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
      '--storage-driver=vfs',
      `--data-root=${join(dir, 'data')}`,
      `--exec-root=${join(dir, 'exec')}`,
      `--pidfile=${join(dir, 'dockerd.pid')}`,
      `-H`,
      `unix://${socket}`,
    ],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const log: string[] = [];
  daemon.stderr.on('data', (c: Buffer) => log.push(c.toString()));
  running.add(daemon);
  const stop = async () => {
    running.delete(daemon);
    if (daemon.exitCode === null && daemon.pid) {
      try {
        process.kill(-daemon.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const exited = new Promise((resolve) => daemon.once('exit', resolve));
      const timer = setTimeout(() => {
        try {
          process.kill(-daemon.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 10_000);
      await exited;
      clearTimeout(timer);
    }
    // vfs keeps layers as plain directories; nothing stays mounted once the daemon is gone.
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 150; i++) {
    if (await ping(socket)) return { host: `unix://${socket}`, logs: async () => log.join(''), stop };
    if (daemon.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`dockerd did not start within 30 s (exit ${daemon.exitCode})`);
}
