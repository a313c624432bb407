// SubscriberInfo for Linux terminals with a modem driven by ModemManager: runs `mmcli` in
// its key-value output mode (-K, "key : value" lines; arrays as key.length and 1-based
// key.value[n]; "--" for unset; values escaped as by g_strescape) and reads the SIM's
// ICCID and IMSI, the modem's own number and the eUICC EID (the secure-element serial
// when no other source is given). The command runner is injected: the SDK stays free of
// Node APIs, and tests feed captured output.
import { looksLikeE164, type SubscriberFacts, normalizeIccid, normalizeImsi, normalizeSeSerial } from '../../protocol/binding/simIdentifiers.ts';
import { TesseraError } from '../../protocol/errors.ts';
import type { SubscriberInfo } from './subscriberInfo.ts';

/** Runs `mmcli` with these arguments and resolves with its standard output. */
export type MmcliRunner = (args: readonly string[]) => Promise<string>;

/** Parsed key-value output: single values as strings, arrays as string lists. */
export type MmcliRecord = Map<string, string | string[]>;

const ESCAPES: Record<string, number> = { b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34 };

/** Reverses g_strescape: C escapes and \ooo octal bytes, then UTF-8. */
export function unescapeMmcliValue(text: string): string {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== '\\' || i + 1 >= text.length) {
      bytes.push(...encoder.encode(ch));
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(text.slice(i + 1))?.[0];
    if (octal) {
      bytes.push(Number.parseInt(octal, 8) & 0xff);
      i += octal.length;
    } else {
      bytes.push(ESCAPES[text[i + 1]!] ?? text.charCodeAt(i + 1));
      i++;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/**
 * Parses `mmcli … -K` output.
 * @example parseMmcliKeyValue('sim.properties.imsi : 234104886708667\n').get('sim.properties.imsi')
 */
export function parseMmcliKeyValue(text: string): MmcliRecord {
  const out: MmcliRecord = new Map();
  for (const line of text.split(/\r?\n/)) {
    const sep = line.indexOf(' : ');
    if (sep < 0) continue;
    const key = line.slice(0, sep).trim();
    const raw = line.slice(sep + 3).trim();
    const item = /^(.*)\.value\[(\d+)\]$/.exec(key);
    if (item) {
      const list = out.get(item[1]!);
      const values = Array.isArray(list) ? list : [];
      values[Number(item[2]) - 1] = unescapeMmcliValue(raw);
      out.set(item[1]!, values);
    } else if (key.endsWith('.length')) {
      const base = key.slice(0, -'.length'.length);
      if (!out.has(base)) out.set(base, []);
    } else if (raw !== '--' && raw !== '') {
      out.set(key, unescapeMmcliValue(raw));
    }
  }
  return out;
}

function single(rec: MmcliRecord, key: string): string | undefined {
  const v = rec.get(key);
  return typeof v === 'string' ? v : undefined;
}

function list(rec: MmcliRecord, key: string): string[] {
  const v = rec.get(key);
  return Array.isArray(v) ? v.filter((x) => x !== undefined) : typeof v === 'string' ? [v] : [];
}

/** Options of {@link createMmcliSubscriberInfo}. */
export interface MmcliSubscriberInfoOptions {
  run: MmcliRunner;
  /** Modem index or D-Bus path; default: the first modem `mmcli -L` lists. */
  modem?: string;
  /** The secure-element serial; default: the eUICC EID mmcli reports. */
  seSerial?: () => Promise<string>;
}

const unavailable = (why: string) => new TesseraError('binding.facts_missing', `ModemManager: ${why}`);

/**
 * Reads the facts through `mmcli -L -K`, `mmcli -m <modem> -K` and `mmcli -i <sim> -K`.
 * @example createMmcliSubscriberInfo({ run: (args) => execFileText('mmcli', args) })
 */
export function createMmcliSubscriberInfo(opts: MmcliSubscriberInfoOptions): SubscriberInfo {
  return {
    async read(): Promise<SubscriberFacts> {
      const modemPath = opts.modem ?? list(parseMmcliKeyValue(await opts.run(['-L', '-K'])), 'modem-list')[0];
      if (!modemPath) throw unavailable('no modem found');
      const modem = parseMmcliKeyValue(await opts.run(['-m', modemPath, '-K']));
      const simPath = single(modem, 'modem.generic.sim');
      if (!simPath || simPath === '/') throw unavailable('the modem has no SIM');
      const sim = parseMmcliKeyValue(await opts.run(['-i', simPath, '-K']));
      const iccid = single(sim, 'sim.properties.iccid');
      const imsi = single(sim, 'sim.properties.imsi');
      if (!iccid || !imsi) throw unavailable('the SIM reports no ICCID or IMSI (locked?)');
      const se = opts.seSerial ? await opts.seSerial() : single(sim, 'sim.properties.eid');
      if (!se) throw unavailable('no secure-element serial: the SIM is not an eUICC; pass seSerial');
      // Only an international own number is usable; SIMs often store none or a national one.
      const msisdn = list(modem, 'modem.generic.own-numbers')
        .map((n) => n.replace(/[\s-]/g, ''))
        .find(looksLikeE164);
      const facts: SubscriberFacts = { iccid: normalizeIccid(iccid), imsi: normalizeImsi(imsi), seSerial: normalizeSeSerial(se) };
      if (msisdn !== undefined) facts.msisdn = msisdn;
      return facts;
    },
  };
}
