// What a run of the built binary made the runtime load, read from inside it: a preload
// (NODE_OPTIONS=--require, which a SEA honours and the renewer a `get` starts inherits) writes each
// process's process.moduleLoadList at exit, named by the run and by whether it is the renewer.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PRELOAD = `process.on('exit', () => {
  const role = process.argv.includes('__renew-credential') ? 'renewer' : 'main';
  require('node:fs').writeFileSync(require('node:path').join(process.env.DCO_PROBE_DIR, process.env.DCO_PROBE_NAME + '.' + role + '.json'), JSON.stringify(process.moduleLoadList));
});
`;

export interface ModuleProbe {
  /** The environment for one run, named `name`. */
  env(base: NodeJS.ProcessEnv, name: string): NodeJS.ProcessEnv;
  /** What that run's process, or the renewer it started, loaded ("NativeModule net", …). */
  loaded(name: string, role?: 'main' | 'renewer'): Promise<string[]>;
  remove(): Promise<void>;
}

export async function moduleProbe(): Promise<ModuleProbe> {
  const dir = await mkdtemp(join(tmpdir(), 'dco-modules-'));
  const preload = join(dir, 'probe.cjs');
  await writeFile(preload, PRELOAD);
  return {
    env: (base, name) => ({ ...base, NODE_OPTIONS: `--require ${preload}`, DCO_PROBE_DIR: dir, DCO_PROBE_NAME: name }),
    loaded: async (name, role = 'main') => JSON.parse(await readFile(join(dir, `${name}.${role}.json`), 'utf8')) as string[],
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
