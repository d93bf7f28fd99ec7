// Authorisation: which repositories and actions a caller's claims allow. The token grants the
// intersection of what was asked and what the rules allow (the Distribution spec's semantics: the
// registry then answers 401/403 itself); a scope nothing allows is left out, not refused.
import picomatch from 'picomatch';
import type { RuleConfig } from './config.js';
import type { ResourceAccess } from './scopes.js';

/** Who asks: verified claims and the username derived from them; null when anonymous. */
export type Caller = { claims: Record<string, unknown>; username: string } | null;

const ALL_ACTIONS = ['pull', 'push', 'delete'];
/** A username fit to be a repository path component; anything else never matches `${username}`. */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;

interface CompiledRule {
  anonymous: boolean;
  /** claim path → matcher; `*` in a claim's glob spans anything, slashes included (Keycloak group paths). */
  match: Array<[string[], (value: string) => boolean]>;
  repositories: string[];
  actions: Set<string>;
  catalog: boolean;
}

export class Rules {
  private readonly rules: CompiledRule[];
  private readonly repositoryMatchers = new Map<string, (name: string) => boolean>();

  constructor(rules: RuleConfig[]) {
    this.rules = rules.map((rule) => ({
      anonymous: rule.anonymous === true,
      match: Object.entries(rule.match ?? {}).map(([claim, glob]) => [claim.split('.'), picomatch(glob, { bash: true, dot: true, nocase: false })]),
      repositories: rule.repositories,
      actions: new Set(rule.actions.includes('*') ? [...ALL_ACTIONS, '*'] : rule.actions),
      catalog: rule.catalog === true,
    }));
  }

  /** The requested access cut down to what the caller may do. */
  grant(caller: Caller, asked: ResourceAccess[]): ResourceAccess[] {
    const applicable = this.rules.filter((rule) => (caller ? !rule.anonymous && this.matches(rule, caller.claims) : rule.anonymous));
    const granted: ResourceAccess[] = [];
    for (const scope of asked) {
      const allowed = new Set<string>();
      for (const rule of applicable) {
        if (!this.covers(rule, scope, caller)) continue;
        // The catalog has one action, `*`, which `catalog: true` grants.
        for (const action of scope.type === 'registry' ? scope.actions : rule.actions) allowed.add(action);
      }
      const actions = scope.actions.filter((action) => allowed.has(action));
      if (actions.length > 0) granted.push({ type: scope.type, name: scope.name, actions });
    }
    return granted;
  }

  /** The claims a rule looks at: what a registry refresh token must carry to decide again later. */
  claimNames(): string[] {
    return [...new Set(this.rules.flatMap((rule) => rule.match.map(([path]) => path[0])))];
  }

  private matches(rule: CompiledRule, claims: Record<string, unknown>): boolean {
    return rule.match.every(([path, test]) => {
      const value = path.reduce<unknown>(
        (node, key) => (node && typeof node === 'object' && Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined),
        claims,
      );
      const values = Array.isArray(value) ? value : [value];
      return values.some((item) => (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') && test(String(item)));
    });
  }

  private covers(rule: CompiledRule, scope: ResourceAccess, caller: Caller): boolean {
    if (scope.type === 'registry') return rule.catalog && scope.name === 'catalog';
    if (scope.type !== 'repository') return false;
    // Only ASCII is lower-cased: toLowerCase() maps the Kelvin sign U+212A to `k` (and İ to i̇), which
    // would hand `\u212Aate` the namespace of `kate`. A name with anything else never matches.
    const username = caller && /^[\x21-\x7e]+$/.test(caller.username) ? caller.username.toLowerCase() : undefined;
    return rule.repositories.some((pattern) => {
      if (pattern.includes('${username}')) {
        if (!username || !PATH_COMPONENT.test(username)) return false;
        pattern = pattern.replaceAll('${username}', username);
      }
      return this.repositoryMatcher(pattern)(scope.name);
    });
  }

  /** `*` stays inside one path component, `**` spans several (as in .gitignore). */
  private repositoryMatcher(pattern: string): (name: string) => boolean {
    let matcher = this.repositoryMatchers.get(pattern);
    if (!matcher) {
      matcher = picomatch(pattern, { dot: true });
      if (this.repositoryMatchers.size < 10_000) this.repositoryMatchers.set(pattern, matcher);
    }
    return matcher;
  }
}
