import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../dist/backend/select.js';
import { buildNetwork } from '../dist/model/networks/index.js';
import { compileInferenceNetwork } from '../dist/model/inference-network.js';
await initBackend({ backend: 'wasm', threads: 2 });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn, reps = 9) { const ms = []; for (let i = 0; i < reps + 2; i++) { const t0 = performance.now(); const o = fn(); o.dataSync(); ms.push(performance.now() - t0); o.dispose(); } return median(ms.slice(2)); }
for (const [name, shape] of [['cnn28', [28, 28, 1]], ['resnet20', [32, 32, 3]], ['mlp', [784]]]) {
  const model = buildNetwork({ name, feature_dim: 128, width: 1, hidden: [256, 256], batch_norm: true }, shape, 0);
  // non-trivial BN stats
  for (const l of model.layers) if (l.getClassName() === 'BatchNormalization') {
    const w = l.getWeights(); l.setWeights(w.map((t, i) => tf.add(tf.randomUniform(t.shape, 0.5, 1.5, 'float32', i + 7), i === 1 || i === 2 ? -1 : 0)));
  }
  const x = tf.randomNormal([128, ...shape], 0, 1, 'float32', 1);
  const before = tf.memory().numTensors;
  const net = compileInferenceNetwork(model);
  const ref = model.apply(x, { training: false }); const got = net.apply(x);
  const err = tf.tidy(() => got.sub(ref).abs().max().dataSync()[0] / ref.abs().max().dataSync()[0]);
  tf.dispose([ref, got]);
  const tRef = time(() => tf.tidy(() => model.apply(x, { training: false })));
  const tNew = time(() => net.apply(x));
  net.dispose();
  console.log(name, 'rel err', err.toExponential(2), 'ref ms', tRef.toFixed(1), 'folded ms', tNew.toFixed(1), 'ratio', (tRef / tNew).toFixed(2), 'leak', tf.memory().numTensors - before);
}
