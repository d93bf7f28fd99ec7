// A fault in a token handler, whether it rejects, throws from a callback or leaves a rejected
// promise behind, answers that request 500 in Distribution's error shape and is logged; the process
// goes on serving (test/support/faultyTokenServer.ts, its own process with the command's wiring).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';

let child: ChildProcess;
let url: string;
let out = '';

before(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', 'test/support/faultyTokenServer.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  for (let i = 0; !/"msg":"listening"/.test(out); i++) {
    if (child.exitCode !== null || i > 600) throw new Error(`the faulty server did not start: ${out}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  url = /"url":"([^"]+)"/.exec(out)![1]!;
});
after(() => {
  child?.kill();
});

for (const fault of ['throw', 'escape', 'unawaited']) {
  test(`a handler fault (${fault}) answers 500 and the server keeps serving`, async () => {
    const answer = await fetch(`${url}/token?service=registry.example.com&scope=${fault}`);
    assert.equal(answer.status, 500);
    assert.deepEqual(await answer.json(), { errors: [{ code: 'UNKNOWN', message: 'internal error' }] });
    assert.equal(child.exitCode, null, out);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.match(out, /"msg":"error"/);
  });
}
