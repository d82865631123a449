// rnnc baseline kernels: shape-agnostic ONNX LSTM / GRU / RNN cells (default activations) in wasm
// SIMD. Allocator-free: the host lays tensors out in the exported memory from heapBase() upwards and
// grows the memory itself. Each call runs one direction over the whole sequence.
export { lstm } from './lstm';
export { gru } from './gru';
export { rnn } from './rnn';

/** First byte the host may use (everything below belongs to the module's static data). */
export function heapBase(): usize {
  return __heap_base;
}
