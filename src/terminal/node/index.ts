// Public entry point `tessera/terminal/node`: the SDK's Node-only adapters (node:crypto
// primitives, a write-once OTP file, the Linux hardware fingerprint). Opt-in, so
// `tessera/terminal` stays free of Node APIs for other runtimes.
export { nodePrimitives } from '../../protocol/nodePrimitives.ts';
export { FileOtpStore } from './fileOtpStore.ts';
export { type LinuxHardwareField, LinuxHardwareFingerprint, type LinuxHardwareOptions } from './linuxHardwareFingerprint.ts';
