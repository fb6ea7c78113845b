/** Thrown by `createEsper()` for configuration that cannot work; `option` names the culprit. */
export class EsperConfigError extends Error {
  override readonly name = 'EsperConfigError';
  constructor(
    readonly option: string,
    detail: string,
  ) {
    super(`[esper] invalid option "${option}": ${detail}`);
  }
}

/** The runtime's answer did not fit in the response size cap. */
export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
  constructor(readonly limit: number) {
    super(`runtime response exceeds ${limit} bytes`);
  }
}
