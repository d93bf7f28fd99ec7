// Scopes of the Distribution token spec: `repository:team/app:pull,push`, `repository(plugin):x:pull`,
// `registry:catalog:*`. A request may carry several `scope` parameters, each possibly several
// space-separated scopes (the OAuth2 form).

export const ACTIONS = ['pull', 'push', 'delete', '*'] as const;
export type Action = (typeof ACTIONS)[number];

/** What the registry checks in the token's `access` claim. */
export interface ResourceAccess {
  type: string;
  name: string;
  actions: string[];
}

/** Repository names as Distribution accepts them (path components of [a-z0-9] with separators). */
const REPOSITORY_NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const MAX_SCOPES = 32;
const MAX_NAME = 255;

export function parseScopes(values: string[]): ResourceAccess[] {
  const scopes: ResourceAccess[] = [];
  for (const value of values) {
    for (const scope of value.split(' ').filter(Boolean)) {
      const first = scope.indexOf(':');
      const last = scope.lastIndexOf(':');
      if (first < 0 || last === first) throw new Error(`scope ${JSON.stringify(scope.slice(0, 80))} is not type:name:actions`);
      const type = scope.slice(0, first).replace(/\(.*\)$/, '');
      const name = scope.slice(first + 1, last);
      const actions = [
        ...new Set(
          scope
            .slice(last + 1)
            .split(',')
            .filter(Boolean),
        ),
      ];
      if (type === 'repository' && (name.length > MAX_NAME || !REPOSITORY_NAME.test(name)))
        throw new Error(`${JSON.stringify(name.slice(0, 80))} is not a repository name`);
      scopes.push({ type, name, actions });
      if (scopes.length > MAX_SCOPES) throw new Error(`more than ${MAX_SCOPES} scopes in one request`);
    }
  }
  return scopes;
}

export function formatScope(access: ResourceAccess): string {
  return `${access.type}:${access.name}:${access.actions.join(',')}`;
}
