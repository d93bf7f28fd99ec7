// Shared set-up of the service tests: a world signed in to registries through the fake provider.
import { login } from '../../../src/service/login.js';
import { fakeProvider, type FakeProvider } from '../../support/fakeProvider.js';
import { testDeps, testPresenter, type TestWorld } from '../../support/testDeps.js';

export type SignedInWorld = TestWorld & { idp: FakeProvider; signIn(registry: string, flags?: Record<string, string>): ReturnType<typeof login> };

export function signedInWorld(env: NodeJS.ProcessEnv = {}): SignedInWorld {
  const idp = fakeProvider();
  const world = testDeps({ fetch: idp.fetch, env });
  return {
    ...world,
    idp,
    signIn: (registry, flags = {}) =>
      login(world.deps, registry, { issuer: idp.issuer, clientId: 'cli', scope: 'offline_access', username: 'alice', ...flags }, testPresenter()),
  };
}
