import fc from 'fast-check';
import { NormBuffer } from './norm-buffer';

// Streams trim the buffer from the front while appending; original slices must stay exact whether or not
// (and whenever) a chunk needs normalisation (until then the buffer keeps no separate original text).
describe('NormBuffer', () => {
  const chunkArb = fc.array(fc.constantFrom('ab', 'c d', '12', ' ', '\n', 'é', 'ﬁ', '\u200b', 'x'), {
    maxLength: 4,
  });

  it('slices the original text exactly across appends and trims', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(chunkArb, fc.nat({ max: 6 }), fc.nat({ max: 6 })), { maxLength: 20 }),
        (steps) => {
          const buf = new NormBuffer();
          let original = '';
          for (const [parts, keepNorm, keepOrig] of steps) {
            const chunk = parts.join('');
            buf.append(chunk);
            original += chunk;
            // Release all but a few original characters, and keep a little more normalised context.
            const release = Math.max(buf.origBase, buf.origTotal - keepOrig);
            for (let a = buf.origBase; a <= buf.origTotal; a++) {
              expect(buf.origSlice(a, buf.origTotal)).toBe(original.slice(a, buf.origTotal));
            }
            let cutNorm = buf.normBase;
            while (cutNorm < buf.normEnd && buf.origStartOf(cutNorm) < release - keepNorm) cutNorm++;
            buf.trimNorm(cutNorm);
            buf.trimOrig(release);
            expect(buf.origSlice(release, buf.origTotal)).toBe(original.slice(release));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
