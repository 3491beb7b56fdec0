/**
 * The ranges of the settings a person types as numbers, and the token's form: the station's config
 * enforces them, and the desktop window's Settings form checks them as the person types.
 */
export const SETTING_RANGES = {
  port: { min: 0, max: 65535 },
  tlsPort: { min: 0, max: 65535 },
  tickMs: { min: 10, max: 3_600_000 },
  maxConnectionsPerAddress: { min: 1, max: 100_000 },
  maxPendingPerAddress: { min: 1, max: 10_000 },
  /** 0: no limit. */
  maxMessagesPerSecond: { min: 0, max: 1_000_000 },
} as const;

export const TOKEN_MIN_LENGTH = 8;
export const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{8,256}$/;
