import { InjectionModel } from './injection-model';
import { INJECTION_MODEL_DATA } from './injection-model.weights';

let shipped: InjectionModel | null = null;
let evaluationModel: InjectionModel | null = null;

/** The model shipped with the engine, decoded once per process on first use (shared by every policy). */
export function shippedInjectionModel(): InjectionModel {
  if (evaluationModel) return evaluationModel;
  shipped ??= new InjectionModel(INJECTION_MODEL_DATA);
  return shipped;
}

/**
 * For the evaluation script and the held-out quality gate only (not exported by the engine): policies
 * compiled after this call use `model` instead of the shipped one, so a model trained without the held-out
 * sources is measured through the same public API; `null` restores the shipped model.
 */
export function useInjectionModelForEvaluation(model: InjectionModel | null): void {
  evaluationModel = model;
}

/**
 * An injection rule's `threshold` (default 1) also sets how sure the model must be: the model fires at
 * probability >= 1 - (1 - p)^threshold, where p is the model's default threshold (picked at <= 1% false
 * positives on sources the model did not train on). So 1 is the default operating point, 2 is stricter,
 * 0.5 looser, and every threshold stays a probability below 1.
 */
export function modelThresholdFor(model: InjectionModel, threshold: number): number {
  return 1 - Math.pow(1 - model.threshold, threshold);
}
