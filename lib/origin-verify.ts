import { RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, type IConstruct } from 'constructs';
import type { OriginVerifyConfig } from './config/edge';

/**
 * Characters of the generated origin secret. ALBs compare header values case-insensitively and read
 * `*` and `?` as wildcards, so the value is lowercase letters and digits only: 64 of them still
 * carry about 330 bits.
 */
export const ORIGIN_SECRET_LENGTH = 64;

/** The check of the origin-verify header as CloudFront and one region's ALB see it. */
export interface OriginVerification {
  /** Name of the header, such as `X-Origin-Verify`. */
  readonly headerName: string;

  /** The value CloudFront sends: a dynamic reference to the secret, resolved in the stack's region. */
  readonly sentValue: SecretValue;

  /**
   * The values the ALB accepts: one, or two during a rotation (the new value and the previous one),
   * each a dynamic reference resolved in the stack's region.
   */
  readonly acceptedValues: readonly SecretValue[];

  /**
   * Whether the ALB refuses requests without an accepted value (its default action answers 403).
   * When false, the default action forwards as well; see `OriginVerifyConfig.enforced`.
   */
  readonly enforced: boolean;
}

/**
 * The origin-verify check of `config`, by secret name. Every stack refers to the secret by name in
 * its own region (the primary's secret, or its replica in the standby region), never by a reference
 * to the owning stack, so no us-west-2 template imports anything from us-east-1.
 */
export function originVerification(config: OriginVerifyConfig, secretName: string): OriginVerification {
  const version = (versionId?: string) => SecretValue.secretsManager(secretName, versionId ? { versionId } : {});
  const accepted = config.versionIds.length > 0 ? config.versionIds.map((id) => version(id)) : [version()];
  return {
    headerName: config.headerName,
    sentValue: accepted[0],
    acceptedValues: accepted,
    enforced: config.enforced,
  };
}

/** Properties of {@link OriginVerifySecret}. */
export interface OriginVerifySecretProps {
  /** Name of the secret, the same in both regions (`PlatformNames.originVerifySecretName`). */
  readonly secretName: string;

  /** Region the secret replicates to under the same name: the standby region. */
  readonly replicaRegion: string;
}

/**
 * The origin secret: a generated value that CloudFront adds to every request to the API origin and
 * that each region's ALB requires, so that a client who finds an ALB's name cannot go around
 * CloudFront and its WAF.
 *
 * It lives in the primary stack, replicated to the standby region. That stack is the first of the
 * deploy order (StandbyFoundation, Primary, Standby, Edge) that every stack resolving the value
 * comes after: the primary's own ALB (same stack), the standby's ALB (the replica, by name, in
 * us-west-2) and CloudFront (the edge stack, by name, in us-east-1). The standby foundation deploys
 * earlier but in us-west-2, where the writable copy would then sit; a rotation must update
 * CloudFront, whose control plane is in us-east-1 as well, so a us-west-2 home would add nothing
 * while us-east-1 is down, and the secret follows the JWT and database secrets' primary-owned
 * pattern. While us-east-1 is down the replica stays readable, so the standby still deploys.
 *
 * Encrypted with the AWS managed key of each region: only CloudFormation reads it, resolving the
 * dynamic references at deploy time; no instance or function needs it.
 */
export class OriginVerifySecret extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: OriginVerifySecretProps) {
    super(scope, id);

    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: props.secretName,
      description:
        'Value of the origin-verify header CloudFront sends to the API origin and the ALBs require; ' +
        'rotated by hand (README, "Rotating the origin secret")',
      generateSecretString: {
        passwordLength: ORIGIN_SECRET_LENGTH,
        excludePunctuation: true,
        excludeUppercase: true,
        includeSpace: false,
      },
      replicaRegions: [{ region: props.replicaRegion }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

/**
 * Whether `value` renders as a Secrets Manager dynamic reference in `scope`'s template (or as a
 * reference built from tokens), rather than as the plain value.
 */
export function isSecretsManagerReference(scope: IConstruct, value: SecretValue): boolean {
  // Unwrapped only to look at what the template would hold; nothing is written here.
  const resolved = Stack.of(scope).resolve(value.unsafeUnwrap());
  return typeof resolved !== 'string' || resolved.startsWith('{{resolve:secretsmanager:');
}
