import * as tf from '@tensorflow/tfjs';

/**
 * A trained network prepared for inference: every batch-norm, whose moving statistics are constants
 * once training stops, is folded into the convolution or dense layer next to it, and a ReLU after
 * them becomes the fused kernel's activation. On the wasm backend a cnn28 inference pass spent a
 * fifth of its time in `FusedBatchNorm` and `Relu`; folded, those passes over the activations are
 * gone and one `FusedConv2D` (bias + ReLU in its output loop) does the work of three kernels.
 *
 * Folding, with s = γ / √(σ² + ε) per channel:
 *   conv/dense W → BN:  W' = W·s (per output channel),  b' = (b − μ)·s + β
 *   BN → dense W:       W' = diag(s)·W,                  b' = b + (β − μ·s)·W
 * Results equal `model.apply(x, { training: false })` up to float rounding. Layers with no folding
 * rule run as themselves (`layer.apply`), so any network compiles.
 */
export interface InferenceNetwork {
  /** The model's output for a batch, in inference mode. Tensors made along the way are freed. */
  apply(x: tf.Tensor): tf.Tensor;
  /** Frees the folded weights. */
  dispose(): void;
}

type Layer = tf.layers.Layer;

interface BatchNormStats {
  /** γ / √(σ² + ε) */
  scale: tf.Tensor1D;
  /** β − μ·scale */
  shift: tf.Tensor1D;
}

/** Config fields read here (tfjs keeps them on the layer's serialisable config). */
interface LayerConfig {
  activation?: string;
  useBias?: boolean;
  axis?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  strides?: number | number[];
  padding?: 'valid' | 'same';
  dataFormat?: string;
  dilationRate?: number | number[];
}

const config = (layer: Layer): LayerConfig => layer.getConfig() as LayerConfig;
const className = (layer: Layer): string => layer.getClassName();
const inputRank = (layer: Layer): number => (layer.input as tf.SymbolicTensor).shape.length;

/** The layers each layer reads from, in argument order. */
function inboundLayers(layer: Layer): Layer[] {
  const node = layer.inboundNodes[0];
  return node === undefined ? [] : (node.inboundLayers as Layer[]);
}

function batchNormStats(bn: Layer): BatchNormStats {
  const cfg = config(bn);
  const weights = bn.getWeights();
  // Weight order: gamma (when scale), beta (when center), moving mean, moving variance.
  let i = 0;
  const gamma = cfg.scale !== false ? weights[i++] : null;
  const beta = cfg.center !== false ? weights[i++] : null;
  const mean = weights[i++];
  const variance = weights[i++];
  return tf.tidy(() => {
    const inv = tf.rsqrt(tf.add(variance, cfg.epsilon ?? 1e-3));
    const scale = (gamma === null ? inv : tf.mul(gamma, inv)) as tf.Tensor1D;
    const shifted = tf.neg(tf.mul(mean, scale));
    const shift = (beta === null ? shifted : tf.add(beta, shifted)) as tf.Tensor1D;
    return { scale, shift };
  });
}

/** A batch-norm over the last (channel) axis. */
function isChannelBatchNorm(layer: Layer | undefined): boolean {
  if (layer === undefined || className(layer) !== 'BatchNormalization') return false;
  const axis = config(layer).axis ?? -1;
  return axis === -1 || axis === inputRank(layer) - 1;
}

const isRelu = (layer: Layer | undefined): boolean =>
  layer !== undefined && className(layer) === 'Activation' && config(layer).activation === 'relu';

const isLinear = (layer: Layer): boolean => (config(layer).activation ?? 'linear') === 'linear';

function pair(v: number | number[] | undefined, fallback: number): [number, number] {
  if (v === undefined) return [fallback, fallback];
  return Array.isArray(v) ? [v[0], v[v.length > 1 ? 1 : 0]] : [v, v];
}

/** The kernel and (optional) bias of a conv or dense layer. */
function kernelAndBias(layer: Layer): { kernel: tf.Tensor; bias: tf.Tensor | undefined } {
  const [kernel, bias] = layer.getWeights();
  return { kernel, bias: config(layer).useBias !== false ? bias : undefined };
}

/** A compiled step: computes the value of `output` from the values of `inputs`. */
interface Step {
  inputs: Layer[];
  output: Layer;
  run: (inputs: tf.Tensor[]) => tf.Tensor;
}

export function compileInferenceNetwork(model: tf.LayersModel): InferenceNetwork {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(
      `compileInferenceNetwork: expects one input and one output, got ${model.inputs.length} and ${model.outputs.length}`,
    );
  }
  const consumers = new Map<Layer, Layer[]>();
  for (const layer of model.layers) {
    if (layer.inboundNodes.length > 1)
      throw new Error(`compileInferenceNetwork: layer ${layer.name} is used more than once`);
    for (const from of inboundLayers(layer)) consumers.set(from, [...(consumers.get(from) ?? []), layer]);
  }
  /** The one layer that reads `layer`, if exactly one does and it reads nothing else. */
  const onlyConsumer = (layer: Layer): Layer | undefined => {
    const c = consumers.get(layer) ?? [];
    return c.length === 1 && inboundLayers(c[0]).length === 1 ? c[0] : undefined;
  };

  const owned: tf.Tensor[] = [];
  const steps: Step[] = [];
  const absorbed = new Set<Layer>();

  /** Ends a step with the ReLU after `last`, if there is one, and records it. */
  const pushAffine = (
    inputs: Layer[],
    last: Layer,
    weight: tf.Tensor,
    bias: tf.Tensor | undefined,
    conv: Layer | null,
  ): void => {
    owned.push(weight, ...(bias === undefined ? [] : [bias]));
    const relu = onlyConsumer(last);
    const activation = isRelu(relu) ? 'relu' : 'linear';
    if (activation === 'relu') absorbed.add(relu!);
    const output = activation === 'relu' ? relu! : last;
    if (conv === null) {
      steps.push({
        inputs,
        output,
        run: ([x]) => tf.fused.matMul({ a: x as tf.Tensor2D, b: weight as tf.Tensor2D, bias, activation }),
      });
      return;
    }
    const cfg = config(conv);
    if ((cfg.dataFormat ?? 'channelsLast') !== 'channelsLast')
      throw new Error(`compileInferenceNetwork: ${conv.name} is not channels-last`);
    const strides = pair(cfg.strides, 1);
    const dilations = pair(cfg.dilationRate, 1);
    const pad = cfg.padding ?? 'valid';
    steps.push({
      inputs,
      output,
      run: ([x]) =>
        tf.fused.conv2d({
          x: x as tf.Tensor4D,
          filter: weight as tf.Tensor4D,
          strides,
          pad,
          dilations,
          bias,
          activation,
        }),
    });
  };

  for (const layer of model.layers) {
    if (absorbed.has(layer) || className(layer) === 'InputLayer') continue;
    const kind = className(layer);
    const inputs = inboundLayers(layer);
    const affine = (kind === 'Conv2D' || (kind === 'Dense' && inputRank(layer) === 2)) && isLinear(layer);

    if (affine) {
      // conv/dense → batch-norm: W' = W·s, b' = b·s + (β − μ·s).
      const { kernel, bias } = kernelAndBias(layer);
      const bn = onlyConsumer(layer);
      let last = layer;
      let folded: [tf.Tensor, tf.Tensor | undefined];
      if (isChannelBatchNorm(bn)) {
        const { scale, shift } = batchNormStats(bn!);
        folded = tf.tidy(() => [
          tf.mul(kernel, scale),
          bias === undefined ? tf.clone(shift) : tf.add(tf.mul(bias, scale), shift),
        ]);
        tf.dispose([scale, shift]);
        absorbed.add(bn!);
        last = bn!;
      } else {
        folded = [tf.clone(kernel), bias === undefined ? undefined : tf.clone(bias)];
      }
      pushAffine(inputs, last, folded[0], folded[1], kind === 'Conv2D' ? layer : null);
      continue;
    }

    if (isChannelBatchNorm(layer)) {
      const { scale, shift } = batchNormStats(layer);
      const dense = onlyConsumer(layer);
      if (inputRank(layer) === 2 && dense !== undefined && className(dense) === 'Dense' && isLinear(dense)) {
        // batch-norm → dense: W' = diag(s)·W, b' = b + (β − μ·s)·W (cnn28's batch-norm on the flattened map).
        const { kernel, bias } = kernelAndBias(dense);
        const [w, b] = tf.tidy(() => {
          const shiftOut = tf.matMul(shift.reshape([1, -1]), kernel).reshape([-1]);
          return [tf.mul(kernel, scale.reshape([-1, 1])), bias === undefined ? shiftOut : tf.add(bias, shiftOut)];
        });
        tf.dispose([scale, shift]);
        absorbed.add(dense);
        pushAffine(inputs, dense, w, b, null);
      } else {
        owned.push(scale, shift);
        steps.push({ inputs, output: layer, run: ([x]) => tf.add(tf.mul(x, scale), shift) });
      }
      continue;
    }

    // No folding rule: the layer itself, in inference mode.
    steps.push({
      inputs,
      output: layer,
      run: (xs) => layer.apply(xs.length === 1 ? xs[0] : xs, { training: false }) as tf.Tensor,
    });
  }

  const inputLayer = (model.inputs[0] as tf.SymbolicTensor).sourceLayer as Layer;
  const outputLayer = (model.outputs[0] as tf.SymbolicTensor).sourceLayer as Layer;
  // How many steps read each value, so an activation is freed as soon as its last reader has run.
  const readers = new Map<Layer, number>();
  for (const step of steps) for (const l of step.inputs) readers.set(l, (readers.get(l) ?? 0) + 1);

  return {
    apply(x) {
      return tf.tidy(() => {
        const values = new Map<Layer, tf.Tensor>([[inputLayer, x]]);
        const left = new Map(readers);
        for (const step of steps) {
          const args = step.inputs.map((l) => {
            const v = values.get(l);
            if (v === undefined) throw new Error(`compileInferenceNetwork: no value for ${l.name}`);
            return v;
          });
          values.set(step.output, step.run(args));
          for (const l of step.inputs) {
            const n = left.get(l)! - 1;
            left.set(l, n);
            if (n === 0 && l !== inputLayer && l !== outputLayer) values.get(l)!.dispose();
          }
        }
        const out = values.get(outputLayer);
        if (out === undefined)
          throw new Error(`compileInferenceNetwork: the output layer ${outputLayer.name} was never computed`);
        return out;
      });
    },
    dispose() {
      tf.dispose(owned);
      owned.length = 0;
    },
  };
}
