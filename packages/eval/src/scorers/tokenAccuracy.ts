/** Teacher-forced token accuracy (EasyEdit HEAD): the fraction of positions where argmax == label. */

/**
 * Mean of `predictions[i] === labels[i]`. Also the locality agreement of post- with pre-edit
 * predictions (pass the pre-edit ids as `labels`).
 * @throws Error when the lengths differ or are zero.
 * @example tokenAccuracy([5, 7, 9], [5, 8, 9]) // 2/3
 */
export function tokenAccuracy(predictions: readonly number[], labels: readonly number[]): number {
  if (predictions.length !== labels.length) {
    throw new Error(`tokenAccuracy: ${predictions.length} predictions but ${labels.length} labels; they must be aligned one to one`);
  }
  if (labels.length === 0) throw new Error('tokenAccuracy: no labels (the target has no tokens)');
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) hit++;
  return hit / labels.length;
}
