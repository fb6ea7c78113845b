/** The subset of pino's API the SDK uses, so a pino instance can be passed as is. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = () => {};

/** A logger that throws must not make protect() throw: each call is guarded. */
export function safeLogger(logger: Logger): Logger {
  const guard = (level: keyof Logger) => (obj: object, msg?: string) => {
    try {
      logger[level](obj, msg);
    } catch {}
  };
  return { debug: guard('debug'), info: guard('info'), warn: guard('warn'), error: guard('error') };
}
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
