import { InjectionModel } from './injection-model';
import { INJECTION_MODEL_DATA } from './injection-model.weights';

let shipped: InjectionModel | null = null;

/** The model shipped with the engine, decoded once per process on first use (shared by every policy). */
export function shippedInjectionModel(): InjectionModel {
  shipped ??= new InjectionModel(INJECTION_MODEL_DATA);
  return shipped;
}

/**
 * An injection rule's `threshold` (default 1) also sets how sure the model must be: the model fires at
 * probability >= 1 - (1 - p)^threshold, where p is the model's default threshold (picked on held-out
 * sources at <= 1% false positives). So 1 is the default operating point, 2 is stricter, 0.5 looser,
 * and every threshold stays a probability below 1.
 */
export function modelThresholdFor(model: InjectionModel, threshold: number): number {
  return 1 - Math.pow(1 - model.threshold, threshold);
}
