import { ValidateBy } from 'class-validator';
import { isIP } from 'node:net';

/** How environment variables (strings) become typed settings, for AppConfig's decorators. */
export const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
export const toBool = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  return value; // left as is so @IsBoolean names the variable
};

/** The proxies to believe, as Fastify's `trustProxy` takes them: all or none, a hop count, or their addresses. */
export type TrustProxy = boolean | number | string[];

/** proxy-addr's names for address ranges, besides addresses and CIDRs. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

export const toTrustProxy = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string' || value === '') return value === '' ? undefined : value;
  if (value === 'true' || value === 'false' || value === '0') return value === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((entry) => entry.trim());
};

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

export function IsTrustProxy(): PropertyDecorator {
  return ValidateBy({
    name: 'isTrustProxy',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'boolean' ||
        (Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 10) ||
        (Array.isArray(value) && value.length > 0 && value.every((entry) => typeof entry === 'string' && isProxyAddress(entry))),
      defaultMessage: () =>
        'TRUST_PROXY must be false, a hop count from 1 to 10, a comma-separated list of proxy IP addresses or CIDR ranges ' +
        '(or loopback, linklocal, uniquelocal), or true',
    },
  });
}

/** A comma-separated list, items trimmed, empty items dropped. */
export function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** The password in a connection string, if any (so it can be kept out of logs). */
export function databasePassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
