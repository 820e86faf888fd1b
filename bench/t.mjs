import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../dist/backend/select.js';
await initBackend({ backend: 'wasm', threads: Number(process.argv[2] ?? 2) });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn, reps = 7) { const ms = []; for (let i = 0; i < reps + 2; i++) { const t0 = performance.now(); const o = fn(); o.dataSync(); ms.push(performance.now() - t0); o.dispose(); } return median(ms.slice(2)); }
for (const [H, Cin, Cout] of [[28, 1, 32], [32, 3, 16], [32,16,16], [28, 32, 32], [14, 64, 64]]) {
  const N = 128;
  const x = tf.randomNormal([N, H, H, Cin], 0, 1, 'float32', 3);
  const dy = tf.randomNormal([N, H, H, Cout], 0, 1, 'float32', 5);
  const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [3, 3, Cin, Cout] };
  const ref = () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs);
  const cols = () => tf.tidy(() => {
    const xt = Cin === 1 ? x.reshape([1, N, H, H]) : tf.transpose(x, [3, 0, 1, 2]);
    const xp = tf.pad(xt, [[0,0],[0,0],[1,1],[1,1]]);
    const sl = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) sl.push(xp.slice([0, 0, i, j], [Cin, N, H, H]));
    const a = tf.concat(sl, 0).reshape([9 * Cin, N * H * H]);
    return tf.matMul(a, dy.reshape([N * H * H, Cout])).reshape([3, 3, Cin, Cout]);
  });
  const r = ref(); const m = cols();
  const err = tf.tidy(() => m.sub(r).abs().max().dataSync()[0] / r.abs().max().dataSync()[0]);
  tf.dispose([r, m]);
  console.log(`H${H} ${Cin}->${Cout}: err ${err.toExponential(1)} ref ${time(ref).toFixed(1)} cols ${time(cols).toFixed(1)}`);
  tf.dispose([x, dy]);
}
