import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { FastifyReply, FastifyRequest, LogController } from 'fastify';
import pino, { Logger, LoggerOptions } from 'pino';
import type { AppConfig } from '../config/app-config';

/** Nest's level names (LOG_LEVEL) → pino's. */
const PINO_LEVELS: Record<AppConfig['LOG_LEVEL'], pino.Level> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** A caller-supplied request id is kept only when it looks like an id (no log injection through it). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Start-up chatter at info becomes debug: Nest's line per module and route (~45) and the migrator's two lines
 * per migration (the schema guard's own line names them all).
 */
const BOOT_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication', 'MikroORM']);

/** Request fields the pretty format leaves out: its message already says them ("POST /v1/ingest 202 4 ms"). */
const PRETTY_IGNORED = 'pid,hostname,service,context,method,url,route,status_code,response_time_ms';

/** A request line reads "POST /v1/ingest 202 4 ms"; every other line is "[Context] message". */
function prettyMessage(log: Record<string, unknown>, messageKey: string): string {
  if (log.status_code === undefined || log.method === undefined) {
    return `${typeof log.context === 'string' ? `[${log.context}] ` : ''}${String(log[messageKey] ?? '')}`;
  }
  return `${String(log.method)} ${String(log.url)} ${String(log.status_code)} ${String(log.response_time_ms)} ms`;
}

/** Probes every few seconds and scrapes (route templates) would drown the request log. */
const QUIET_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * Replaces every occurrence of a secret (API keys, the database password) in a finished log line. The last line
 * of defence: headers are not logged and Authorization is redacted, but an error message quoting a connection
 * string or a header would otherwise slip through.
 */
export function secretScrubber(secrets: string[]): (line: string) => string {
  const forms = [...new Set(secrets.flatMap((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)]))]
    .filter((s) => s.length > 0)
    .sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (line) => line;
  const pattern = new RegExp(forms.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return (line) => line.replace(pattern, '[REDACTED]');
}

const rootLoggers = new WeakMap<AppConfig, Logger>();

/**
 * The one pino logger of an app, shared by Fastify (request lines) and nestjs-pino (everything Nest's Logger
 * writes): JSON lines, or pino-pretty in development; secrets scrubbed from every line.
 */
export function rootLoggerFor(config: AppConfig): Logger {
  const existing = rootLoggers.get(config);
  if (existing) return existing;
  const options: LoggerOptions = {
    level: PINO_LEVELS[config.LOG_LEVEL],
    base: { service: 'ingestion-service' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'], censor: '[REDACTED]' },
    hooks: {
      streamWrite: secretScrubber(config.secrets),
      logMethod(args, method, level) {
        const context = (args[0] as { context?: unknown } | undefined)?.context;
        if (level === pino.levels.values.info && typeof context === 'string' && BOOT_CONTEXTS.has(context)) {
          return this.debug(...(args as [object, string]));
        }
        return method.apply(this, args);
      },
    },
  };
  let logger: Logger;
  if (config.logFormat === 'json') {
    logger = pino(options);
  } else {
    // Loaded only when asked for; synchronous so nothing is lost when the process exits right after a line.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pretty = require('pino-pretty') as typeof import('pino-pretty');
    logger = pino(
      options,
      pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: PRETTY_IGNORED, singleLine: true, messageFormat: prettyMessage }),
    );
  }
  rootLoggers.set(config, logger);
  return logger;
}

/** Fastify's logging options: our pino logger, and a request id (the caller's X-Request-Id when sane) as `request_id`. */
export function fastifyLoggingOptions(config: AppConfig) {
  return {
    loggerInstance: rootLoggerFor(config),
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Fastify's own two lines per request are replaced by the one logRequest writes.
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
  };
}

/** onRequest hook: hands the request id back to the caller, to quote when reporting a problem. */
export async function echoRequestId(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  void reply.header('x-request-id', request.id);
}

/** onResponse hook: one line per request (its logger already carries request_id), level by status. */
export async function logRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (QUIET_ROUTES.has(request.routeOptions.url ?? '')) return;
  const status = reply.statusCode;
  const level = status >= 500 ? 'error' : 'info';
  request.log[level](
    {
      method: request.method,
      url: request.url,
      route: request.routeOptions.url,
      status_code: status,
      response_time_ms: Math.round(reply.elapsedTime),
    },
    'request completed',
  );
}
