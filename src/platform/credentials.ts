import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { ConfigError, messageOf } from '../errors.js';

/** What to set when no AWS credentials can be found, for error messages. */
export const AWS_CREDENTIALS_HINT =
  'Set AWS_PROFILE (a profile in ~/.aws/config or ~/.aws/credentials, SSO included), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN for temporary credentials); on AWS, give the instance an instance role, or the pod an IAM role through EKS Pod Identity or IRSA (AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE). To run on the simulated AWS of the sandbox instead, add --sandbox (or set JARVIS_SANDBOX=1).';

/**
 * Resolves AWS credentials once, through the SDK's own default provider chain (environment, shared
 * config and credentials files, SSO, web identity, container and instance metadata), so that a missing
 * credential is found at start-up rather than at the first release. Resolves with the chain as a
 * provider (it keeps the credentials and refreshes them before they expire), to be handed to every client.
 * Throws a ConfigError naming what to set when the chain finds nothing.
 */
export async function resolveAwsCredentials(region: string): Promise<AwsCredentialIdentityProvider> {
  // The client is only a way to the SDK's own chain (no new dependency); it sends nothing.
  const client = new ElasticLoadBalancingV2Client({ region });
  const provider: AwsCredentialIdentityProvider = (options) => client.config.credentials(options);
  try {
    await provider();
  } catch (err) {
    client.destroy();
    const profile = process.env.AWS_PROFILE;
    const named = profile
      ? ` AWS_PROFILE is "${profile}": check that ~/.aws/config or ~/.aws/credentials (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE) defines it and that its source works (for SSO: aws sso login --profile ${profile}).`
      : '';
    throw new ConfigError(
      [`AWS credentials: none found (${firstLine(messageOf(err))}).${named} ${AWS_CREDENTIALS_HINT}`],
      'the environment',
    );
  }
  return provider;
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).trim().replace(/\.$/, '');
}
