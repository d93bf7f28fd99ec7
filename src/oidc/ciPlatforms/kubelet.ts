// The kubelet credential provider (KEP-4412): the pod's service-account token arrives with each of
// the kubelet's requests and is passed down as a parameter; it exists only in this process's memory.
import { checkedToken, type CiTokenPlatform } from './ciPlatform.js';

export const kubelet: CiTokenPlatform<{ kind: 'kubelet' }> = {
  name: () => "the pod's service account",
  token: async (_source, request) =>
    checkedToken(
      request.podToken,
      "the kubelet's request",
      'the pod has no service-account token for this provider: add tokenAttributes to its CredentialProviderConfig entry',
    ),
};
