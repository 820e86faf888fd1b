/**
 * Long-tail accounting: accuracy on the balanced test set overall and by how many training images
 * a class had (many-shot / medium-shot / few-shot, the buckets of Liu et al. 2019, OLTR).
 */

export type ShotBucket = 'many' | 'medium' | 'few';

/** Many-shot: more than `many` training images; few-shot: fewer than `few`; medium: the rest. */
export interface ShotThresholds {
  many: number;
  few: number;
}

/** The standard thresholds, defined for head classes of at least this many images (CIFAR-100-LT has 500, ImageNet-LT 1280). */
export const STANDARD_THRESHOLDS: ShotThresholds = { many: 100, few: 20 };
export const STANDARD_HEAD_SIZE = 500;

/**
 * Thresholds for a split whose head class has nMax images. A null threshold takes the standard
 * value (100 / 20), scaled by nMax/500 when nMax < 500, so that on a small dataset the buckets cut
 * the long-tail profile at the same fractions of the head as on CIFAR-100-LT instead of putting
 * every class into medium or few.
 */
export function shotThresholds(
  given: { many_threshold: number | null; few_threshold: number | null },
  nMax: number,
): ShotThresholds {
  const scale = Math.min(1, nMax / STANDARD_HEAD_SIZE);
  return {
    many: given.many_threshold ?? STANDARD_THRESHOLDS.many * scale,
    few: given.few_threshold ?? STANDARD_THRESHOLDS.few * scale,
  };
}

export function shotBucket(trainCount: number, t: ShotThresholds): ShotBucket {
  if (trainCount > t.many) return 'many';
  if (trainCount < t.few) return 'few';
  return 'medium';
}

// A type alias (not an interface) so that rows go to writeCsv as they are.
export type ClassAccuracy = {
  class: number;
  name: string;
  train_count: number;
  bucket: ShotBucket;
  test_n: number;
  /** Null when the test set has no image of the class. */
  accuracy: number | null;
};

export interface LongtailAccuracy {
  /** Fraction of all test images classified correctly. */
  overall: number;
  /** Mean per-class accuracy over the classes of each bucket; null for an empty bucket. */
  many: number | null;
  medium: number | null;
  few: number | null;
  /** Number of classes in each bucket. */
  n_many: number;
  n_medium: number;
  n_few: number;
  perClass: ClassAccuracy[];
}

function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/**
 * Accuracy overall, per bucket and per class from test labels and predictions. Buckets average the
 * per-class accuracies (as OLTR's shot_acc does), so each class counts once whatever its test size.
 */
export function longtailAccuracy(opts: {
  trainCounts: readonly number[];
  testLabels: Int32Array;
  predictions: Int32Array;
  thresholds: ShotThresholds;
  classNames?: readonly string[];
}): LongtailAccuracy {
  const { trainCounts, testLabels, predictions, thresholds } = opts;
  if (!testLabels.length) throw new RangeError('long-tail accuracy needs at least one test image');
  if (predictions.length !== testLabels.length)
    throw new RangeError(`${predictions.length} predictions for ${testLabels.length} test labels`);
  const K = trainCounts.length;
  const testN = new Array<number>(K).fill(0);
  const hits = new Array<number>(K).fill(0);
  let correct = 0;
  testLabels.forEach((y, i) => {
    if (!(y >= 0 && y < K)) throw new RangeError(`test label ${y} at sample ${i} is outside 0..${K - 1}`);
    testN[y]++;
    if (predictions[i] === y) {
      hits[y]++;
      correct++;
    }
  });
  const perClass: ClassAccuracy[] = trainCounts.map((count, c) => ({
    class: c,
    name: opts.classNames?.[c] ?? String(c),
    train_count: count,
    bucket: shotBucket(count, thresholds),
    test_n: testN[c],
    accuracy: testN[c] ? hits[c] / testN[c] : null,
  }));
  const inBucket = (b: ShotBucket) => perClass.filter((p) => p.bucket === b);
  const bucketAccuracy = (b: ShotBucket) => mean(inBucket(b).flatMap((p) => (p.accuracy === null ? [] : [p.accuracy])));
  return {
    overall: correct / testLabels.length,
    many: bucketAccuracy('many'),
    medium: bucketAccuracy('medium'),
    few: bucketAccuracy('few'),
    n_many: inBucket('many').length,
    n_medium: inBucket('medium').length,
    n_few: inBucket('few').length,
    perClass,
  };
}
