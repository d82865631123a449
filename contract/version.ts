/** The rnnc release (package.json's version; a test checks they agree): part of every artifact key. */
export const RNNC_VERSION = '0.1.0';
