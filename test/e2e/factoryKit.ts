// A factory lot made by hand for end-to-end tests: the lot and its terminal records go into
// the running server's database (a second connection to the same SQLite file or PostgreSQL
// schema), K_t is derived from the server's master key the way a factory station derives it
// from its lot key, and each terminal gets an OTP image sealed for its hardware descriptor.
import type { AeadSuiteName } from '../../src/protocol/aeadSuites.ts';
import { toBase64Url } from '../../src/protocol/bytes.ts';
import { deriveLotKey, deriveLotTerminalKey } from '../../src/protocol/factory/lotKeys.ts';
import { fingerprintHash, type HardwareDescriptor } from '../../src/protocol/hardware/hardwareFingerprint.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import { buildOtpImage } from '../../src/protocol/otp/otpImage.ts';
import { openDurableStore } from '../../src/server/store/openDurableStore.ts';
import type { TestServer } from './testServer.ts';

/** One terminal of a test lot. */
export interface TestLotTerminal {
  id: string;
  hardware: HardwareDescriptor;
}

/** A provisioned terminal: its image, and the key the image seals (for tampered-SDK tests). */
export interface ProvisionedTerminal {
  id: string;
  image: Uint8Array;
  key: Uint8Array;
  fph: Uint8Array;
}

/**
 * Registers a lot and its terminals (`provisioned`, with the hardware hash) on `server` and
 * returns the OTP images. The handshake suites become both the images' offer and the
 * terminal records' policy, as a real lot import does.
 */
export async function provisionLot(
  server: TestServer,
  lot: { id: string; handshakeSuites?: string[]; aeadSuites?: AeadSuiteName[]; terminals: TestLotTerminal[] },
): Promise<Map<string, ProvisionedTerminal>> {
  const { settings } = server.config;
  const handshakeSuites = lot.handshakeSuites ?? ['hmac-sha256', 'hmac-sm3'];
  const aeadSuites = lot.aeadSuites ?? ['aes-256-gcm', 'chacha20-poly1305', 'sm4-cbc+hmac-sm3'];
  const master = server.config.masterKeys.current;
  const lotKey = deriveLotKey(p, master.key, lot.id);
  const durable = await openDurableStore({ databaseUrl: settings.databaseUrl, sqlitePath: server.config.sqlitePath, ...(settings.databaseSchema ? { schema: settings.databaseSchema } : {}) });
  const out = new Map<string, ProvisionedTerminal>();
  try {
    const now = new Date();
    await durable.lots.create({ id: lot.id, kid: master.kid, handshakeSuites, aeadSuites, label: 'e2e', now });
    const records = lot.terminals.map((t) => {
      const key = deriveLotTerminalKey(p, lotKey, t.id);
      const fph = fingerprintHash(p, t.hardware);
      const image = buildOtpImage(
        p,
        { lotId: lot.id, terminalId: t.id, kid: master.kid, serverId: server.config.serverId, url: server.url, handshakeSuites, aeadSuites, updatePublicKey: server.config.updateKey.publicKey },
        key,
        fph,
      );
      out.set(t.id, { id: t.id, image, key, fph });
      return { id: t.id, kid: master.kid, suites: handshakeSuites, now, status: 'provisioned' as const, lotId: lot.id, hwHash: toBase64Url(fph) };
    });
    await durable.terminals.createMany(records);
  } finally {
    await durable.close();
  }
  return out;
}
