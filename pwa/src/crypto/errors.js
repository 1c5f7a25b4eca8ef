// The errors of the crypto layer (spec §17): one base class, a few kinds, messages that reveal nothing.

export const DECRYPTION_FAILED = 'could not open: wrong key, unknown or retired key id, or damaged data';
export const SIGNATURE_FAILED = 'signature not valid for the claimed device';
export const INVITE_EXPIRED = 'this invite has expired';

/** Base class of every error this layer throws on purpose. */
export class CryptoError extends Error {}

/** A value could not be parsed, or an argument has the wrong type or length. */
export class FormatError extends CryptoError {}

/** A wire document failed the shape check; `reason` is plain English, safe to show a client. */
export class WireFormatError extends FormatError {
  constructor(reason) {
    super(reason);
    this.reason = reason;
  }
}

/** Opening failed. The message is always the same, whatever the cause. */
export class DecryptionError extends CryptoError {
  constructor() {
    super(DECRYPTION_FAILED);
  }
}

/** The author or granter is unknown, or its signature does not verify. */
export class SignatureError extends CryptoError {
  constructor() {
    super(SIGNATURE_FAILED);
  }
}

/** The invite's expiry time has passed. */
export class InviteExpiredError extends CryptoError {
  constructor() {
    super(INVITE_EXPIRED);
  }
}

// Names survive minification (bundlers rename classes); `error.name` is part of the API.
for (const [name, cls] of Object.entries({
  CryptoError,
  FormatError,
  WireFormatError,
  DecryptionError,
  SignatureError,
  InviteExpiredError,
})) {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true });
}
