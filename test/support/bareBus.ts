// A D-Bus session bus that can activate nothing, so org.freedesktop.secrets has no owner: the
// situation of a CI agent, a server over SSH, a container. (A default session bus would start
// gnome-keyring through its .service file.)
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BareBus {
  address: string;
  stop(): Promise<void>;
}

export async function startBareBus(): Promise<BareBus> {
  const dir = await mkdtemp(join(tmpdir(), 'dco-bus-'));
  const config = join(dir, 'bus.conf');
  await writeFile(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:dir=${dir}</listen><policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>`,
  );
  const bus = spawn('dbus-daemon', ['--config-file', config, '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const address = await new Promise<string>((resolve) => bus.stdout.once('data', (c: Buffer) => resolve(c.toString().trim())));
  return {
    address,
    async stop() {
      bus.kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
