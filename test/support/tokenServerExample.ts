// The token server configuration of issue 13 and docs/token-server.md, exactly as written there; tests fill
// in their own paths, provider and service where the example names a placeholder.
export interface ExamplePlaces {
  listen: string;
  service: string;
  key: string;
  cert: string;
  issuer: string;
  audience: string;
}

export const EXAMPLE_PLACES: ExamplePlaces = {
  listen: '127.0.0.1:5001',
  service: 'registry.example.com',
  key: '/etc/token-server/key.pem',
  cert: '/etc/token-server/cert.pem',
  issuer: 'https://sso.example.com/realms/dev',
  audience: 'registry',
};

export const exampleConfig = (
  places: ExamplePlaces = EXAMPLE_PLACES,
): string => `listen: ${places.listen}          # or 0.0.0.0:5001 behind an ingress; tls: {cert: , key: } optional
service: ${places.service}    # = REGISTRY_AUTH_TOKEN_SERVICE
issuer: registry-token-server    # = REGISTRY_AUTH_TOKEN_ISSUER
signing:
  key: ${places.key}          # PEM private key (RSA or EC)
  certificate: ${places.cert} # the registry's REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE
tokenTtl: 5m
refreshTokenTtl: 3h
providers:
  - issuer: ${places.issuer}
    audience: ${places.audience}
    usernameClaim: preferred_username
rules:
  - match: {groups: developers}      # claim: glob — a string claim that matches, or an array claim with an element that matches
    repositories: ["team/*"]
    actions: [pull, push]
  - match: {sub: "*"}                 # any signed-in user
    repositories: ["public/*", "\${username}/*"]
    actions: [pull]
  - anonymous: true
    repositories: ["public/*"]
    actions: [pull]
`;
