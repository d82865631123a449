/**
 * The independent float64 scalar reference of the ONNX LSTM, GRU and RNN operators every rnnc kernel
 * is tested against (compiler/cells/reference.ts, each cell's step in its spec), for the tests.
 */
export { referenceRnn, type ReferenceInputs, type ReferenceOptions, type ReferenceOutputs } from '../compiler/cells/reference_rnn.js';
export { applyActivation } from '../compiler/cells/activations.js';
