/**
 * Errors of the Schema Registry in Confluent's shape: an HTTP status plus a finer `error_code`
 * (`XXXYY`: XXX the status, YY the registry's reason) and a message. The codes and message wording
 * follow Confluent's Errors class so clients that branch on `error_code` behave as against the real thing.
 */

/** Confluent's error codes used by this registry. */
export const REGISTRY_ERROR_CODES = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SUBJECT_NOT_FOUND: 40401,
  VERSION_NOT_FOUND: 40402,
  SCHEMA_NOT_FOUND: 40403,
  SUBJECT_SOFT_DELETED: 40404,
  SUBJECT_NOT_SOFT_DELETED: 40405,
  VERSION_SOFT_DELETED: 40406,
  VERSION_NOT_SOFT_DELETED: 40407,
  SUBJECT_COMPATIBILITY_NOT_CONFIGURED: 40408,
  /** Confluent uses the bare status (409) for an incompatible schema, not a 409YY code. */
  INCOMPATIBLE_SCHEMA: 409,
  INVALID_SCHEMA: 42201,
  INVALID_VERSION: 42202,
  INVALID_COMPATIBILITY_LEVEL: 42203,
  INVALID_MODE: 42204,
  STORE_ERROR: 50001,
} as const;

export type RegistryErrorCode = (typeof REGISTRY_ERROR_CODES)[keyof typeof REGISTRY_ERROR_CODES];

/** The JSON body of every error answer. */
export interface RegistryErrorBody {
  error_code: number;
  message: string;
}

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly errorCode: RegistryErrorCode;

  constructor(errorCode: RegistryErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.errorCode = errorCode;
  }

  /** The HTTP status: the first three digits of the error code. */
  get httpStatus(): number {
    return this.errorCode < 1000 ? this.errorCode : Math.floor(this.errorCode / 100);
  }

  toBody(): RegistryErrorBody {
    return { error_code: this.errorCode, message: this.message };
  }
}

export function subjectNotFound(subject: string): RegistryError {
  return new RegistryError(REGISTRY_ERROR_CODES.SUBJECT_NOT_FOUND, `Subject '${subject}' not found.`);
}

export function versionNotFound(version: number | string): RegistryError {
  return new RegistryError(REGISTRY_ERROR_CODES.VERSION_NOT_FOUND, `Version ${version} not found.`);
}

export function schemaNotFound(id?: number | string): RegistryError {
  return new RegistryError(
    REGISTRY_ERROR_CODES.SCHEMA_NOT_FOUND,
    id === undefined ? 'Schema not found' : `Schema ${id} not found`,
  );
}

export function invalidSchema(reason: string, cause?: unknown): RegistryError {
  return new RegistryError(REGISTRY_ERROR_CODES.INVALID_SCHEMA, `Invalid schema: ${reason}`, { cause });
}

export function invalidVersion(version: string): RegistryError {
  return new RegistryError(
    REGISTRY_ERROR_CODES.INVALID_VERSION,
    `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
  );
}

export function invalidCompatibilityLevel(): RegistryError {
  return new RegistryError(
    REGISTRY_ERROR_CODES.INVALID_COMPATIBILITY_LEVEL,
    'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, ' +
      'forward_transitive, and full_transitive',
  );
}

export function incompatibleSchema(subject: string, details: readonly string[]): RegistryError {
  return new RegistryError(
    REGISTRY_ERROR_CODES.INCOMPATIBLE_SCHEMA,
    `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${details.join('; ')}]`,
  );
}

export function subjectCompatibilityNotConfigured(subject: string): RegistryError {
  return new RegistryError(
    REGISTRY_ERROR_CODES.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
    `Subject '${subject}' does not have subject-level compatibility configured`,
  );
}
