// Public entry point `tessera/terminal`: the device SDK.
export { isTesseraError, TesseraError } from '../protocol/errors.ts';
export { parseCredential, type TerminalCredential } from '../protocol/credential.ts';
export { nodePrimitives } from '../protocol/nodePrimitives.ts';
export { type FetchLike } from './httpTransport.ts';
export { type SignedResponse, TerminalClient, type TerminalClientOptions, type TerminalSession } from './terminalClient.ts';
