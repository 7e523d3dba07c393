import { COMPARISONS } from '../kernels/defs.js';
import { div, greater, greaterEqual, less, lessEqual, log, mul, neg, pow, sub, where } from '../ops/elementwise.js';
import { unbroadcast, type GradRule } from './rule.js';

export const BinaryGrad: GradRule<'Binary'> = {
  vjp(dy, { a, b }, [y], { op }, needs) {
    if (COMPARISONS.has(op) || a.dtype !== 'f32') return { a: null, b: null };
    // an operand off the differentiated path (a constant scale, a mask, an attention bias) gets none
    const wantA = needs?.a ?? true;
    const wantB = needs?.b ?? true;
    let ga;
    let gb;
    switch (op) {
      case 'add':
        [ga, gb] = [dy, dy];
        break;
      case 'sub':
        [ga, gb] = [dy, wantB ? neg(dy) : null];
        break;
      case 'mul':
        [ga, gb] = [wantA ? mul(dy, b) : null, wantB ? mul(dy, a) : null];
        break;
      case 'div':
        [ga, gb] = [wantA ? div(dy, b) : null, wantB ? neg(div(mul(dy, y), b)) : null];
        break;
      case 'max':
        [ga, gb] = [mul(dy, greaterEqual(a, b)), mul(dy, less(a, b))];
        break;
      case 'min':
        [ga, gb] = [mul(dy, lessEqual(a, b)), mul(dy, greater(a, b))];
        break;
      case 'pow':
        ga = mul(dy, mul(b, pow(a, sub(b, 1))));
        gb = mul(dy, where(greater(a, 0), mul(y, log(where(greater(a, 0), a, 1))), 0));
        break;
      default:
        return { a: null, b: null };
    }
    return { a: wantA && ga ? unbroadcast(ga, a.shape) : null, b: wantB && gb ? unbroadcast(gb, b.shape) : null };
  },
};

