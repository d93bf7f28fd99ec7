import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rules } from '../../../src/tokenServer/rules.js';
import { parseScopes, formatScope } from '../../../src/tokenServer/scopes.js';

const rules = new Rules([
  { match: { groups: 'developers' }, repositories: ['team/*'], actions: ['pull', 'push'] },
  { match: { sub: '*' }, repositories: ['public/*', '${username}/*'], actions: ['pull'] },
  { match: { 'realm_access.roles': 'registry-admin' }, repositories: ['**'], actions: ['*'], catalog: true },
  { match: { email: '*@ops.example' }, repositories: ['infra/**'], actions: ['pull', 'delete'] },
  { anonymous: true, repositories: ['public/*'], actions: ['pull'] },
]);
const alice = { claims: { sub: 'u-1', groups: ['/staff', 'developers'], email: 'alice@example.test' }, username: 'Alice' };
const grant = (caller: Parameters<Rules['grant']>[0], ...scopes: string[]) => rules.grant(caller, parseScopes(scopes)).map(formatScope);

test('the token grants the intersection of what was asked and what the rules allow', () => {
  assert.deepEqual(grant(alice, 'repository:team/app:pull,push,delete'), ['repository:team/app:pull,push']);
  assert.deepEqual(grant(alice, 'repository:other-team/app:pull,push'), []);
  assert.deepEqual(grant(alice, 'repository:public/base:pull,push'), ['repository:public/base:pull']);
  assert.deepEqual(grant(alice, 'repository:team/app:pull repository:team/db:push'), ['repository:team/app:pull', 'repository:team/db:push']);
});

test('${username} is a personal namespace, lower-cased; a username unfit for a path never matches', () => {
  assert.deepEqual(grant(alice, 'repository:alice/tool:pull'), ['repository:alice/tool:pull']);
  assert.deepEqual(grant({ ...alice, username: 'a*' }, 'repository:a/tool:pull'), []);
  assert.deepEqual(grant({ ...alice, username: '../x' }, 'repository:x/tool:pull'), []);
});

test('${username} never folds Unicode into ASCII: the Kelvin sign is not a k', () => {
  assert.deepEqual(grant({ ...alice, username: '\u212Aate' }, 'repository:kate/tool:pull'), []);
  assert.deepEqual(grant({ ...alice, username: 'KATE' }, 'repository:kate/tool:pull'), ['repository:kate/tool:pull']);
});

test('* stays inside one path component, ** spans several', () => {
  assert.deepEqual(grant(alice, 'repository:team/app/sub:pull'), []);
  const ops = { claims: { sub: 'o', email: 'bob@ops.example' }, username: 'bob' };
  assert.deepEqual(grant(ops, 'repository:infra/a/b/c:pull,delete'), ['repository:infra/a/b/c:pull,delete']);
});

test('nested claims (Keycloak realm roles), * actions and the catalog', () => {
  const admin = { claims: { sub: 'x', realm_access: { roles: ['registry-admin'] } }, username: 'root' };
  assert.deepEqual(grant(admin, 'repository:any/thing:*', 'registry:catalog:*'), ['repository:any/thing:*', 'registry:catalog:*']);
  assert.deepEqual(grant(alice, 'registry:catalog:*'), []);
  assert.deepEqual(grant(null, 'registry:catalog:*'), []);
});

test('anonymous callers get only the anonymous rules; signed-in callers never the anonymous ones', () => {
  assert.deepEqual(grant(null, 'repository:public/base:pull,push'), ['repository:public/base:pull']);
  assert.deepEqual(grant(null, 'repository:team/app:pull'), []);
});

test('a claim glob spans slashes (Keycloak group paths); prototype names are not claims', () => {
  const slashRules = new Rules([{ match: { groups: '/org/*' }, repositories: ['org/*'], actions: ['pull'] }]);
  assert.equal(slashRules.grant({ claims: { sub: 's', groups: ['/org/team/devs'] }, username: 's' }, parseScopes(['repository:org/app:pull'])).length, 1);
  const protoRules = new Rules([{ match: { 'constructor.name': 'Object' }, repositories: ['**'], actions: ['pull'] }]);
  assert.equal(protoRules.grant({ claims: { sub: 's' }, username: 's' }, parseScopes(['repository:a:pull'])).length, 0);
});

test('never grants more than was asked (property)', () => {
  const name = fc.stringMatching(/^[a-z0-9]{1,6}(\/[a-z0-9]{1,6}){0,2}$/);
  const actions = fc.subarray(['pull', 'push', 'delete', '*'], { minLength: 1 });
  fc.assert(
    fc.property(fc.array(fc.tuple(name, actions), { minLength: 1, maxLength: 5 }), fc.constantFrom(alice, null), (asked, caller) => {
      const scopes = asked.map(([n, a]) => ({ type: 'repository', name: n, actions: a }));
      for (const granted of rules.grant(caller, scopes)) {
        const request = scopes.find((scope) => scope.name === granted.name)!;
        assert.ok(granted.actions.every((action) => request.actions.includes(action)));
      }
    }),
  );
});

test('malformed scopes are refused', () => {
  assert.throws(() => parseScopes(['repository:team/app']), /not type:name:actions/);
  assert.throws(() => parseScopes(['repository:Team/App:pull']), /not a repository name/);
  assert.throws(() => parseScopes(['repository:../etc:pull']), /not a repository name/);
  assert.throws(() => parseScopes([Array.from({ length: 40 }, (_, i) => `repository:r${i}:pull`).join(' ')]), /more than 32 scopes/);
  assert.deepEqual(parseScopes(['repository(plugin):team/x:pull', 'registry:catalog:*']).map(formatScope), ['repository:team/x:pull', 'registry:catalog:*']);
});
