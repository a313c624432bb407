// Activation codes: the mod-37 check symbol catches every single-character substitution and
// every adjacent transposition — proved exhaustively over a sample of codes — and parsing
// normalises what people type the way Crockford specifies.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ACTIVATION_CODE_FORMAT, activationCodeFromData, generateActivationCode, parseActivationCode } from '../../../src/protocol/activation/activationCode.ts';
import { CROCKFORD_CHECK_SYMBOLS, CROCKFORD_SYMBOLS, crockfordCheckSymbol, encodeCrockford, normalizeCrockford } from '../../../src/protocol/activation/crockfordBase32.ts';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { nodePrimitives } from '../../../src/protocol/nodePrimitives.ts';

const SAMPLE_ONE = activationCodeFromData('7Q2MK9XD0PAV3RTE');

/** The 17 canonical symbols of a code: 16 data symbols and the check symbol. */
const symbolsOf = (text: string) => normalizeCrockford(text);
const refused = (text: string) => {
  try {
    parseActivationCode(text);
    return undefined;
  } catch (err) {
    assert.ok(isTesseraError(err), String(err));
    return err.code;
  }
};

/** A deterministic sample: edge cases plus codes from a seeded generator. */
function sampleCodes(n: number): string[] {
  let state = 0x2545f491;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state >>> 24;
  };
  const seeded = { randomBytes: (len: number) => Uint8Array.from({ length: len }, next) };
  const edges = ['0000000000000000', 'ZZZZZZZZZZZZZZZZ', '0123456789ABCDEF', 'GHJKMNPQRSTVWXYZ', 'Z000000000000000', '000000000000000Z'];
  return [...edges.map((d) => activationCodeFromData(d).text), ...Array.from({ length: n }, () => generateActivationCode(seeded).text)];
}

describe('activation code check symbol (Crockford mod 37)', () => {
  test('values 0–36 map to 0-9 A-Z (without I L O U) then * ~ $ = U', () => {
    assert.equal(CROCKFORD_CHECK_SYMBOLS.length, 37);
    assert.equal(crockfordCheckSymbol('0'), '0');
    assert.equal(crockfordCheckSymbol('Z'), 'Z'); // 31
    assert.equal(crockfordCheckSymbol('10'), '*'); // 32
    assert.equal(crockfordCheckSymbol('11'), '~'); // 33
    assert.equal(crockfordCheckSymbol('12'), '$'); // 34
    assert.equal(crockfordCheckSymbol('13'), '='); // 35
    assert.equal(crockfordCheckSymbol('14'), 'U'); // 36
    assert.equal(crockfordCheckSymbol('15'), '0'); // 37
    // 16 × 'Z' = 2^80 − 1 ≡ 2 (mod 37), computed independently with BigInt
    assert.equal(crockfordCheckSymbol('Z'.repeat(16)), CROCKFORD_CHECK_SYMBOLS[Number(((1n << 80n) - 1n) % 37n)]);
  });

  test('property: the check symbol is the base-32 value of the data modulo 37', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 10, maxLength: 10 }), (bytes) => {
        const data = encodeCrockford(bytes);
        const value = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
        assert.equal(crockfordCheckSymbol(data), CROCKFORD_CHECK_SYMBOLS[Number(value % 37n)]);
      }),
    );
  });

  const SAMPLE = sampleCodes(250);

  test(`exhaustive: every single-character substitution is caught (${SAMPLE.length} codes × every position × every other symbol)`, () => {
    let tried = 0;
    for (const text of SAMPLE) {
      const symbols = symbolsOf(text);
      for (let i = 0; i < symbols.length; i++) {
        const alphabet = i < ACTIVATION_CODE_FORMAT.dataSymbols ? CROCKFORD_SYMBOLS : CROCKFORD_CHECK_SYMBOLS;
        for (const other of alphabet) {
          if (other === symbols[i]) continue;
          const typo = symbols.slice(0, i) + other + symbols.slice(i + 1);
          assert.equal(refused(typo), 'activation.code_mistyped', `${text}: position ${i + 1} → ${other} was not caught`);
          tried++;
        }
      }
    }
    assert.equal(tried, SAMPLE.length * (16 * 31 + 36));
  });

  test('exhaustive: every adjacent transposition of differing symbols is caught, the check symbol included', () => {
    let tried = 0;
    for (const text of SAMPLE) {
      const symbols = symbolsOf(text);
      for (let i = 0; i + 1 < symbols.length; i++) {
        if (symbols[i] === symbols[i + 1]) continue;
        const swapped = symbols.slice(0, i) + symbols[i + 1] + symbols[i] + symbols.slice(i + 2);
        const code = refused(swapped);
        // Swapping a check-only symbol (* ~ $ = U) into the data is not even well-formed.
        assert.ok(code === 'activation.code_mistyped' || code === 'activation.code_malformed', `${text}: swap at ${i + 1} was not caught`);
        tried++;
      }
    }
    assert.ok(tried > SAMPLE.length * 14, `only ${tried} swaps tried`);
  });

  test('a substitution by a symbol that is not base32 is refused as malformed', () => {
    const symbols = symbolsOf(SAMPLE[7]!);
    for (const bad of ['U', '*', '~', '$', '=', '#', 'é']) assert.equal(refused(bad + symbols.slice(1)), 'activation.code_malformed');
    assert.equal(refused(`${symbols.slice(0, 16)}#`), 'activation.code_malformed');
  });
});

describe('activation code format and parsing', () => {
  test('a generated code has 80 random bits in XXXX-XXXX-XXXX-XXXX-C and parses back to itself', () => {
    const code = generateActivationCode(nodePrimitives);
    assert.match(code.text, /^[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}-[0-9A-HJKMNP-TV-Z*~$=U]$/);
    assert.equal(code.data.length * 5, ACTIVATION_CODE_FORMAT.randomBits);
    assert.deepEqual(parseActivationCode(code.text), code);
    assert.notEqual(generateActivationCode(nodePrimitives).data, code.data);
  });

  test('the data symbols are the 10 random bytes, 5 bits at a time, most significant first', () => {
    assert.equal(encodeCrockford(new Uint8Array(10)), '0'.repeat(16));
    assert.equal(encodeCrockford(new Uint8Array(10).fill(0xff)), 'Z'.repeat(16));
    assert.equal(encodeCrockford(Uint8Array.of(0x08, 0x86, 0x42, 0x98, 0xe8)), '12345678');
    const fixed = generateActivationCode({ randomBytes: () => Uint8Array.of(0x08, 0x86, 0x42, 0x98, 0xe8, 0x08, 0x86, 0x42, 0x98, 0xe8) });
    assert.equal(fixed.data, '1234567812345678');
  });

  test('property: case, hyphens, spaces and the look-alikes I L O do not matter', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 10, maxLength: 10 }), fc.array(fc.constantFrom(' ', '-', '  ', ''), { minLength: 17, maxLength: 17 }), fc.boolean(), (bytes, seps, lower) => {
        const code = activationCodeFromData(encodeCrockford(bytes));
        const canonical = code.data + code.check;
        let typed = [...canonical].map((s, i) => seps[i] + s).join('');
        typed = typed.replace(/1/g, () => 'I').replace(/0/g, () => 'o');
        if (lower) typed = typed.toLowerCase();
        assert.deepEqual(parseActivationCode(typed), code);
      }),
    );
  });

  test('every example code in src, docs, examples and the README is a valid code', () => {
    // The TSDoc, `tessera terminal activate --help` and the docs show codes that readers copy;
    // one once carried a wrong check symbol. The format's own template is left out.
    const shaped = /\b[0-9A-Za-z]{4}[- ][0-9A-Za-z]{4}[- ][0-9A-Za-z]{4}[- ][0-9A-Za-z]{4}[- ][0-9A-Za-z*~$=](?![0-9A-Za-z*~$=])/g;
    const root = new URL('../../../', import.meta.url);
    const files = ['src', 'docs', 'examples'].flatMap((dir) =>
      readdirSync(new URL(dir, root), { recursive: true, encoding: 'utf8' })
        .filter((f) => /\.(ts|md)$/.test(f))
        .map((f) => `${dir}/${f}`),
    );
    const seen: string[] = [];
    const bad: string[] = [];
    for (const file of [...files, 'README.md']) {
      for (const [code] of readFileSync(new URL(file, root), 'utf8').matchAll(shaped)) {
        if (code === 'XXXX-XXXX-XXXX-XXXX-C') continue;
        seen.push(code);
        if (refused(code) !== undefined) bad.push(`${file}: ${code} (${refused(code)})`);
      }
    }
    assert.ok(seen.includes('7Q2M-K9XD-0PAV-3RTE-X'), 'the TSDoc example is found');
    assert.deepEqual(bad, []);
  });

  test('wrong lengths and characters are malformed, with a message that does not repeat the code', () => {
    const code = SAMPLE_ONE.text;
    for (const input of ['', code.slice(0, -1), `${code}0`, code.replace(/-/g, '').slice(0, 16), `${code}${'-'.repeat(60)}`]) {
      assert.throws(
        () => parseActivationCode(input),
        (err) => {
          assert.ok(isTesseraError(err, 'activation.code_malformed'), `${input}: ${String(err)}`);
          assert.equal(err.field, 'code');
          assert.ok(!err.message.includes(code.slice(0, 4)));
          return true;
        },
      );
    }
    assert.throws(() => parseActivationCode(42 as unknown as string), (err) => isTesseraError(err, 'activation.code_malformed'));
  });
});
