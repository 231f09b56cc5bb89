/**
 * The optimiser contract and its shared machinery: specs, the {@link Optimizer} interface, and
 * {@link SlotOptimizer}, which keeps per-parameter slots, validates, counts steps and saves state.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, ShapeError } from '../errors.js';

/** Graves (2013) §4 Eqs. 38–45: centred RMSProp (ℵ for both averages) plus classical momentum. */
export interface GravesRmspropSpec {
  name: 'graves-rmsprop';
  /** ℷ, default 1e-4 (Eq. 44). */
  learningRate?: number;
  /** ℵ, decay of both running averages n and g, default 0.95 (Eq. 42). */
  decay?: number;
  /** ℶ, momentum of Δ, default 0.9 (Eq. 43). */
  momentum?: number;
  /** ℸ, added INSIDE the square root, default 1e-4 (Eq. 45). */
  epsilon?: number;
}

/** Stochastic gradient descent, v = μv − lr·ε, w += v (Nesterov: w += μv − lr·ε). */
export interface SgdSpec {
  name: 'sgd';
  learningRate: number;
  /** μ, default 0 (plain SGD, no slots). Paper: 0.99 (Penn), 0.9 (Wikipedia), §2.4. */
  momentum?: number;
  /** Nesterov momentum, default false. */
  nesterov?: boolean;
}

/** Adam (Kingma & Ba 2015) with bias correction, as in PyTorch. */
export interface AdamSpec {
  name: 'adam';
  /** Default 1e-3. */
  learningRate?: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Added outside the square root, default 1e-8. */
  epsilon?: number;
}

/** Which optimiser to build and its hyperparameters; omitted fields take the documented defaults. */
export type OptimizerSpec = GravesRmspropSpec | SgdSpec | AdamSpec;

/** The optimiser names accepted by {@link createOptimizer}. */
export const OPTIMIZER_NAMES = ['graves-rmsprop', 'sgd', 'adam'] as const;

/** Name of the scalar holding the number of updates applied, in {@link Optimizer.getState}. */
export const OPTIMIZER_STEP_KEY = 'optimizer/step';

/** Prefix of every optimiser state tensor name; checkpoints store them next to model weights. */
export const OPTIMIZER_STATE_PREFIX = 'optimizer/';

/**
 * A stateful optimiser over named `tf.Variable`s. Slots (per-parameter state) are created as
 * zeros on a parameter's first update.
 */
export interface Optimizer {
  /** The spec with every default filled in. */
  readonly spec: Required<OptimizerSpec>;
  /** Updates applied so far (calls to {@link Optimizer.apply}). */
  readonly step: number;
  /**
   * Updates every variable named in `grads` (keys = names in `params`), in place.
   * @remarks Synchronous and tidy; does not dispose `grads`. Validates every name and shape before
   * changing anything.
   * @throws {@link ShapeError} when a gradient names no parameter or has another shape or dtype.
   */
  apply(grads: Record<string, tf.Tensor>, params: Record<string, tf.Variable>): void;
  /**
   * Copies of the slot tensors for exact resume, named `optimizer/<paramName>/<slot>`, plus
   * `optimizer/step` (an int32 scalar). The caller owns (and disposes) the returned tensors.
   */
  getState(): Record<string, tf.Tensor>;
  /**
   * Replaces the state by copies of `state`'s `optimizer/…` tensors (other names are ignored, so a
   * whole checkpoint's tensor map can be passed). Does not take ownership of `state`.
   * @param params - When given, every slot must name one of these parameters and match its shape.
   * @throws {@link CheckpointError} naming the tensor and what was expected (slot names of this
   * optimiser, shapes, a non-negative integer step) when the state does not fit; nothing changes then.
   */
  setState(state: Record<string, tf.Tensor>, params?: Record<string, tf.Variable>): void;
  /** Disposes every slot. The optimiser can still be used: slots start again from zero. */
  dispose(): void;
}

/** Slot tensors of one parameter by slot name. */
export type SlotValues = Record<string, tf.Tensor>;

/**
 * Shared machinery: per-parameter slot variables, validation, step counting, state I/O.
 * Subclasses give the slot names and one pure update rule.
 */
export abstract class SlotOptimizer<S extends Required<OptimizerSpec>> implements Optimizer {
  private readonly slots = new Map<string, Map<string, tf.Variable>>();
  private updates = 0;

  constructor(
    readonly spec: S,
    private readonly slotNames: readonly string[],
  ) {}

  get step(): number {
    return this.updates;
  }

  /** New parameter value and new slot values; `t` is the 1-based number of this update. */
  protected abstract update(w: tf.Tensor, g: tf.Tensor, slots: SlotValues, t: number): { w: tf.Tensor; slots: SlotValues };

  apply(grads: Record<string, tf.Tensor>, params: Record<string, tf.Variable>): void {
    const names = Object.keys(grads);
    for (const name of names) {
      const g = grads[name] as tf.Tensor;
      const w = Object.prototype.hasOwnProperty.call(params, name) ? params[name] : undefined;
      if (!w) {
        throw new ShapeError(`${this.spec.name}: gradient '${name}' names no parameter (parameters: ${listNames(Object.keys(params))})`);
      }
      if (!sameShape(g.shape, w.shape)) {
        throw new ShapeError(`${this.spec.name}: gradient '${name}' has shape [${g.shape}], expected the parameter's [${w.shape}]`);
      }
      if (g.dtype !== 'float32' || w.dtype !== 'float32') {
        throw new ShapeError(`${this.spec.name}: '${name}' must be float32 (gradient ${g.dtype}, parameter ${w.dtype})`);
      }
      const existing = this.slots.get(name);
      const first = existing?.values().next().value;
      if (first && !sameShape(first.shape, w.shape)) {
        throw new CheckpointError(
          `${this.spec.name}: optimiser state for '${name}' has shape [${first.shape}], the parameter has [${w.shape}]`,
        );
      }
    }
    const t = this.updates + 1;
    tf.tidy(() => {
      for (const name of names) {
        const w = params[name] as tf.Variable;
        const slots = this.slotsFor(name, w.shape);
        const current: SlotValues = {};
        for (const [slot, v] of slots) current[slot] = v;
        const next = this.update(w, grads[name] as tf.Tensor, current, t);
        for (const [slot, v] of slots) v.assign(next.slots[slot] as tf.Tensor);
        w.assign(next.w);
      }
    });
    this.updates = t;
  }

  getState(): Record<string, tf.Tensor> {
    const state: Record<string, tf.Tensor> = { [OPTIMIZER_STEP_KEY]: tf.scalar(this.updates, 'int32') };
    for (const name of [...this.slots.keys()].sort()) {
      for (const [slot, v] of this.slots.get(name) as Map<string, tf.Variable>) {
        state[`${OPTIMIZER_STATE_PREFIX}${name}/${slot}`] = tf.clone(v);
      }
    }
    return state;
  }

  setState(state: Record<string, tf.Tensor>, params?: Record<string, tf.Variable>): void {
    const where = `${this.spec.name} state`;
    const stepTensor = state[OPTIMIZER_STEP_KEY];
    if (!stepTensor) throw new CheckpointError(`${where}: missing '${OPTIMIZER_STEP_KEY}' (a scalar count of updates)`);
    if (stepTensor.rank !== 0) {
      throw new CheckpointError(`${where}: '${OPTIMIZER_STEP_KEY}' has shape [${stepTensor.shape}], expected a scalar []`);
    }
    const step = stepTensor.dataSync()[0] as number;
    if (!Number.isInteger(step) || step < 0) {
      throw new CheckpointError(`${where}: '${OPTIMIZER_STEP_KEY}' is ${step}, expected a non-negative integer`);
    }
    const grouped = new Map<string, Map<string, tf.Tensor>>();
    for (const [key, tensor] of Object.entries(state)) {
      if (!key.startsWith(OPTIMIZER_STATE_PREFIX) || key === OPTIMIZER_STEP_KEY) continue;
      const rest = key.slice(OPTIMIZER_STATE_PREFIX.length);
      const cut = rest.lastIndexOf('/');
      const param = rest.slice(0, Math.max(cut, 0));
      const slot = rest.slice(cut + 1);
      if (cut <= 0 || !this.slotNames.includes(slot)) {
        const expected = this.slotNames.length ? this.slotNames.join(', ') : 'none: this optimiser keeps no slots';
        throw new CheckpointError(
          `${where}: unexpected tensor '${key}': expected 'optimizer/<param>/<slot>' with slot one of ${expected}` +
            ` (was the checkpoint written by another optimiser?)`,
        );
      }
      if (tensor.dtype !== 'float32') throw new CheckpointError(`${where}: '${key}' is ${tensor.dtype}, expected float32`);
      if (params) {
        const w = Object.prototype.hasOwnProperty.call(params, param) ? params[param] : undefined;
        if (!w) throw new CheckpointError(`${where}: '${key}' names no parameter of the model (parameters: ${listNames(Object.keys(params))})`);
        if (!sameShape(tensor.shape, w.shape)) {
          throw new CheckpointError(`${where}: '${key}' has shape [${tensor.shape}], expected the parameter's [${w.shape}]`);
        }
      }
      let slots = grouped.get(param);
      if (!slots) grouped.set(param, (slots = new Map()));
      slots.set(slot, tensor);
    }
    for (const [param, slots] of grouped) {
      const shapes = [...slots.values()].map((t) => t.shape);
      for (const slot of this.slotNames) {
        if (!slots.has(slot)) {
          throw new CheckpointError(`${where}: missing '${OPTIMIZER_STATE_PREFIX}${param}/${slot}' (each parameter needs slots ${this.slotNames.join(', ')})`);
        }
      }
      if (!shapes.every((s) => sameShape(s, shapes[0] as number[]))) {
        throw new CheckpointError(`${where}: the slots of '${param}' have different shapes (${shapes.map((s) => `[${s}]`).join(', ')})`);
      }
    }
    this.dispose();
    for (const [param, slots] of grouped) {
      const vars = new Map<string, tf.Variable>();
      for (const slot of this.slotNames) vars.set(slot, tf.variable(slots.get(slot) as tf.Tensor, false));
      this.slots.set(param, vars);
    }
    this.updates = step;
  }

  dispose(): void {
    for (const slots of this.slots.values()) for (const v of slots.values()) v.dispose();
    this.slots.clear();
  }

  private slotsFor(name: string, shape: number[]): Map<string, tf.Variable> {
    let slots = this.slots.get(name);
    if (!slots) {
      slots = new Map();
      for (const slot of this.slotNames) slots.set(slot, tf.variable(tf.zeros(shape), false));
      this.slots.set(name, slots);
    }
    return slots;
  }
}

/** A value for an error message. */
export function describeValue(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : value === undefined ? 'undefined' : JSON.stringify(value) ?? String(value);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function listNames(names: string[]): string {
  if (names.length === 0) return 'none';
  return names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')}, … (${names.length} in all)`;
}
