/**
 * The parts of the Web Crypto API the SDK uses, as small structural types. The public types
 * name these rather than the DOM library's `Crypto` / `SubtleCrypto`, which a Node-only project
 * (`lib: ["es2022"]`, `types: ["node"]`) does not have. The DOM's `crypto`, Node's global
 * `crypto` and the `webcrypto` export of Node's crypto module all satisfy them.
 *
 * Methods are declared as methods (not function-typed properties) on purpose: their parameters
 * are then compared both ways, so the platforms' wider signatures (`BufferSource`,
 * `AlgorithmIdentifier`, overloads) are accepted.
 */

/** Bytes WebCrypto takes: an ArrayBuffer or a view of one (Uint8Array, a Node Buffer, …). */
export type WebBytes = ArrayBuffer | ArrayBufferView;

/** A key WebCrypto returned (`CryptoKey`); the SDK only passes it back. */
export interface WebCryptoKey {
  readonly type: string;
  readonly extractable: boolean;
}

/** The `crypto.subtle` methods the SDK calls: SHA-256 digests and HMAC-SHA-256. */
export interface WebSubtleCrypto {
  digest(algorithm: string, data: WebBytes): Promise<ArrayBuffer>;
  importKey(
    format: 'raw',
    keyData: WebBytes,
    algorithm: { name: string; hash: string },
    extractable: boolean,
    keyUsages: Array<'sign' | 'verify'>,
  ): Promise<WebCryptoKey>;
  sign(algorithm: string, key: WebCryptoKey, data: WebBytes): Promise<ArrayBuffer>;
  verify(
    algorithm: string,
    key: WebCryptoKey,
    signature: WebBytes,
    data: WebBytes,
  ): Promise<boolean>;
}

/** The `crypto` object the SDK uses: `subtle`, random bytes, and `randomUUID` where present. */
export interface WebCrypto {
  readonly subtle: WebSubtleCrypto;
  getRandomValues<T extends Uint8Array>(array: T): T;
  randomUUID?(): string;
}
