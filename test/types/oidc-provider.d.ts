// oidc-provider ships no types and @types/oidc-provider lags its majors; the tests use a handful of
// calls, typed loosely here.
declare module 'oidc-provider' {
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    proxy: boolean;
    callback(): (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    on(event: string, listener: (...args: any[]) => void): this;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    registerGrantType(name: string, handler: (ctx: any) => Promise<void>, parameters?: string[]): void;
  }
  export const errors: { InvalidGrant: new (description: string) => Error; CustomOIDCProviderError: new (error: string, description: string) => Error };
}
