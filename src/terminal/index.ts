// Public entry point `tessera/terminal`: the device SDK. Free of Node APIs so it bundles for a
// browser; Node's primitives (`nodePrimitives`) come from `tessera/terminal/node`.
export { isTesseraError, TesseraError } from '../protocol/errors.ts';
export { parseCredential, type TerminalCredential } from '../protocol/credential.ts';
export type { FetchLike } from './httpTransport.ts';
export { type SignedResponse, type TerminalBootOptions, TerminalClient, type TerminalClientOptions, type TerminalSession } from './terminalClient.ts';
export { type BootOptions, type BootResult, bootTerminal, type FullBoot, type RestrictedBoot, type RestrictedReason, type SuitePolicy } from './bootTerminal.ts';
export { MemoryOtpStore, type OtpStore } from './otpStore.ts';
export { type HardwareDescriptor, type HardwareFingerprint, SimulatedHardwareFingerprint, simulatedDescriptor } from './hardwareFingerprint.ts';
export { RestrictedTerminal, type RestrictedTerminalOptions, type UpdateSource } from './restrictedTerminal.ts';
export { type Binding, BindingClient, type BindingClientOptions, type PendingBinding } from './binding/bindingClient.ts';
export { createMmcliSubscriberInfo, type MmcliRunner, type MmcliSubscriberInfoOptions, parseMmcliKeyValue } from './binding/mmcliSubscriberInfo.ts';
export { SimulatedSubscriberInfo, type SubscriberFacts, type SubscriberInfo } from './binding/subscriberInfo.ts';
export { type UpdateCheck, UpdateChecker, type UpdateCheckerOptions, type UpdateDownload } from './updates/updateChecker.ts';
export type { UpdateManifest } from '../protocol/updates/updateManifest.ts';
export type { UpdateRefusal } from '../protocol/updates/verifyUpdateManifest.ts';
export { type Activation, type ActivationOptions, activateTerminal } from './activation.ts';
