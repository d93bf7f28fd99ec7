// Properties of the protocol entry point and of the server-URL normaliser, for fast-check. Run with a
// fixed seed and a bounded number of cases by `npm test` (test/unit/protocol/fuzz.test.ts) and
// without bounds by `npm run fuzz` (scripts/fuzz.ts).
import fc from 'fast-check';
import { answerProtocol } from '../../src/protocol/handleCommand.js';
import { parseServerUrl } from '../../src/protocol/registryAddress.js';
import { credentialHelper } from '../../src/service/credentialHelper.js';
import { testDeps } from '../support/testDeps.js';

/** A registry address built from parts, so that which registry it names is known by construction. */
export interface AddressParts {
  scheme: string;
  host: string;
  port: string;
  path: string;
  trailing: string;
}

/** What docker treats as one registry: the host (any case), the port as written, the path. */
export const identityOf = (a: AddressParts) => `${a.host.toLowerCase()}|${a.port}|${a.path}`;
export const spell = (a: AddressParts) => `${a.scheme}${a.host}${a.port ? `:${a.port}` : ''}${a.path}${a.trailing}`;

const caseVariants = (host: string) => fc.constantFrom(host, host.toUpperCase(), host[0].toUpperCase() + host.slice(1));

export const addressParts: fc.Arbitrary<AddressParts> = fc.record({
  scheme: fc.constantFrom('', 'http://', 'https://', 'HTTPS://', '//'),
  host: fc
    .constantFrom('reg.example', 'reg.example.com', 'registry-1.docker.io', '127.0.0.1', '[::1]', 'a_b.example', 'constructor', '__proto__')
    .chain(caseVariants),
  port: fc.constantFrom('', '5000', '443', '05000', '65535'),
  path: fc.constantFrom('', '/v1', '/team', '/team/app'),
  trailing: fc.constantFrom('', '/', '//'),
});

/** Any text a client could send, weighted towards near-URLs. */
const stdinText = fc.oneof(
  addressParts.map(spell),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  addressParts.chain((a) =>
    fc.oneof(
      fc.constantFrom(`${spell(a)}\n${spell(a)}`, ` ${spell(a)} `, `${spell(a)}?q#f`, `user@${spell(a)}`),
      // A control character inside: the keychain cuts at NUL, terminals act on the others.
      fc.integer({ min: 0, max: 0x1f }).map((c) => `${spell(a)}/x${String.fromCharCode(c)}y`),
    ),
  ),
);

const storeText = fc.oneof(
  fc.record({ ServerURL: stdinText, Username: fc.string({ maxLength: 20 }), Secret: fc.string({ maxLength: 20 }) }).map((c) => JSON.stringify(c)),
  fc.json({ maxDepth: 2 }),
  fc.string({ maxLength: 120 }),
);

const call = fc.oneof(
  fc.record({ action: fc.constant('store'), stdin: storeText }),
  fc.record({ action: fc.constantFrom('get', 'erase'), stdin: stdinText }),
  fc.record({ action: fc.constant('list'), stdin: fc.string({ maxLength: 10 }) }),
  fc.record({ action: fc.string({ maxLength: 8 }), stdin: fc.string({ maxLength: 10 }) }),
);

/** Seeds the store with one item per distinct registry of `seeded`; its secret names the registry. */
async function seededWorld(seeded: AddressParts[]) {
  const world = testDeps();
  const helper = () => credentialHelper(world.deps);
  for (const parts of seeded) {
    await answerProtocol(helper, 'store', () => JSON.stringify({ ServerURL: spell(parts), Username: 'u', Secret: `secret-of:${identityOf(parts)}` }), 'dco');
  }
  return { world, helper };
}

/** Exit code 0 or 1; a failure is one line on stdout; a failed call leaves the store as it was. */
export const protocolAnswersAreWellFormed = fc.asyncProperty(
  fc.array(addressParts, { maxLength: 4 }),
  fc.array(call, { minLength: 1, maxLength: 6 }),
  async (seeded, calls) => {
    const { world, helper } = await seededWorld(seeded);
    for (const { action, stdin } of calls) {
      const before = new Map(world.store.items);
      const answer = await answerProtocol(helper, action, () => stdin, 'dco');
      if (answer.exitCode !== 0 && answer.exitCode !== 1) throw new Error(`exit ${answer.exitCode} for ${action}`);
      if (answer.exitCode === 1) {
        if (!/^[^\n]+\n$/.test(answer.stdout)) throw new Error(`not one line: ${JSON.stringify(answer.stdout)}`);
        if (answer.stderr !== '' && !/^[^\n]+\n$/.test(answer.stderr)) throw new Error(`stderr not one line: ${JSON.stringify(answer.stderr)}`);
        if (JSON.stringify([...before]) !== JSON.stringify([...world.store.items])) throw new Error(`a failed ${action} changed the store`);
      }
    }
  },
);

/** get answers only with the item of the registry asked for, in whatever spelling. */
export const getNeverAnswersForAnotherRegistry = fc.asyncProperty(
  fc.array(addressParts, { minLength: 1, maxLength: 5 }),
  addressParts,
  async (seeded, asked) => {
    const { helper } = await seededWorld(seeded);
    const answer = await answerProtocol(helper, 'get', () => spell(asked), 'dco');
    const stored = seeded.some((parts) => identityOf(parts) === identityOf(asked));
    if (answer.exitCode === 0) {
      const secret = (JSON.parse(answer.stdout) as { Secret: string }).Secret;
      if (secret !== `secret-of:${identityOf(asked)}`) throw new Error(`get ${spell(asked)} answered ${secret}`);
    } else if (stored) {
      throw new Error(`get ${spell(asked)} found nothing: ${answer.stdout}`);
    }
  },
);

/** Two spellings share a keychain key exactly when docker treats them as one registry. */
export const keysMatchRegistryIdentity = fc.property(addressParts, addressParts, (a, b) => {
  const same = parseServerUrl(spell(a)).key === parseServerUrl(spell(b)).key;
  if (same !== (identityOf(a) === identityOf(b))) throw new Error(`${spell(a)} and ${spell(b)}: same key ${same}`);
});

/** The normaliser never throws anything but its own one-line error, whatever it is given. */
export const normaliserFailsCleanly = fc.property(stdinText, (input) => {
  try {
    const { key } = parseServerUrl(input);
    if (/[\u0000-\u001f\u007f\s]/.test(key)) throw new Error(`key with control characters or spaces: ${JSON.stringify(key)}`);
  } catch (error) {
    if ((error as { code?: string }).code !== 'invalid-server-url') throw error;
  }
});

export const ALL_PROPERTIES = { protocolAnswersAreWellFormed, getNeverAnswersForAnotherRegistry, keysMatchRegistryIdentity, normaliserFailsCleanly };
