/**
 * Optimisers with exactly specified update rules and exact-resume state: Graves' centred
 * RMSProp with momentum (paper Eqs. 38–41), SGD with classical or Nesterov momentum, Adam.
 * None uses a tfjs optimiser class: their slot layout and numerics are not ours to pin.
 */
import { ConfigError } from '../errors.js';
import { Adam } from './adam.js';
import { GravesRmsprop } from './graves-rmsprop.js';
import {
  describeValue,
  OPTIMIZER_NAMES,
  type AdamSpec,
  type GravesRmspropSpec,
  type Optimizer,
  type OptimizerSpec,
  type SgdSpec,
} from './optimizers-base.js';
import { Sgd } from './sgd.js';

export {
  OPTIMIZER_NAMES,
  OPTIMIZER_STATE_PREFIX,
  OPTIMIZER_STEP_KEY,
  SlotOptimizer,
  type AdamSpec,
  type GravesRmspropSpec,
  type Optimizer,
  type OptimizerSpec,
  type SgdSpec,
  type SlotValues,
} from './optimizers-base.js';
export { Adam, GravesRmsprop, Sgd };

/**
 * Builds an optimiser from a spec, filling defaults (graves-rmsprop: lr 1e-4, decay 0.95,
 * momentum 0.9, epsilon 1e-4; sgd: momentum 0, nesterov false; adam: lr 1e-3, 0.9, 0.999, 1e-8).
 * @throws {@link ConfigError} for an unknown name or an out-of-range hyperparameter, naming both.
 */
export function createOptimizer(spec: OptimizerSpec): Optimizer {
  const raw = spec as unknown;
  if (typeof raw !== 'object' || raw === null) throw new ConfigError(`optimizer: expected an object with a 'name', got ${describeValue(raw)}`);
  const name = (raw as { name?: unknown }).name;
  switch (name) {
    case 'graves-rmsprop': {
      const s = spec as GravesRmspropSpec;
      const full: Required<GravesRmspropSpec> = {
        name,
        learningRate: positive(name, 'learningRate', s.learningRate ?? 1e-4),
        decay: unitInterval(name, 'decay', s.decay ?? 0.95),
        momentum: unitInterval(name, 'momentum', s.momentum ?? 0.9),
        epsilon: positive(name, 'epsilon', s.epsilon ?? 1e-4),
      };
      return new GravesRmsprop(full);
    }
    case 'sgd': {
      const s = spec as SgdSpec;
      if (s.learningRate === undefined) throw new ConfigError(`optimizer sgd: 'learningRate' is required (paper: 1e-4, §2.4)`);
      if (s.nesterov !== undefined && typeof s.nesterov !== 'boolean') {
        throw new ConfigError(`optimizer sgd: 'nesterov' must be true or false, got ${describeValue(s.nesterov)}`);
      }
      const full: Required<SgdSpec> = {
        name,
        learningRate: positive(name, 'learningRate', s.learningRate),
        momentum: unitInterval(name, 'momentum', s.momentum ?? 0),
        nesterov: s.nesterov ?? false,
      };
      if (full.nesterov && full.momentum === 0) throw new ConfigError(`optimizer sgd: 'nesterov' needs a momentum > 0`);
      return new Sgd(full);
    }
    case 'adam': {
      const s = spec as AdamSpec;
      const full: Required<AdamSpec> = {
        name,
        learningRate: positive(name, 'learningRate', s.learningRate ?? 1e-3),
        beta1: unitInterval(name, 'beta1', s.beta1 ?? 0.9),
        beta2: unitInterval(name, 'beta2', s.beta2 ?? 0.999),
        epsilon: positive(name, 'epsilon', s.epsilon ?? 1e-8),
      };
      return new Adam(full);
    }
    default:
      throw new ConfigError(`optimizer: unknown name ${describeValue(name)}, expected one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
}

function positive(optimizer: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`optimizer ${optimizer}: '${field}' must be a finite number > 0, got ${describeValue(value)}`);
  }
  return value;
}

function unitInterval(optimizer: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new ConfigError(`optimizer ${optimizer}: '${field}' must be a number in [0, 1), got ${describeValue(value)}`);
  }
  return value;
}
