#!/usr/bin/python3
"""Regenerates the small PyTorch-exported test models in test/models/<name>/.

Each model is a torch.nn.Module with fixed seeds, exported with torch.onnx.export (opset 14) and run
once in torch on a sample input; the directory gets model.onnx plus test_data_set_0/input_N.pb and
output_N.pb (TensorProtos named after the graph inputs and outputs), the layout of the ONNX backend
tests, so `rnnc check test/models/<name>` and test/models.test.ts need no Python.

Needs Debian's python3-torch and python3-onnx (torch 1.13, onnx 1.12):
    apt-get install -y python3-torch python3-onnx
    /usr/bin/python3 test/models/make_models.py [name ...]

The outputs are committed; rerun only when a model here changes. `dynamic` in MODELS marks the
exports whose seq and batch axes are symbolic (test/models.test.ts runs those at other sizes).
"""
import collections
import os
import shutil
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 14


class BiLstm2(nn.Module):
    """2-layer bidirectional LSTM, batch_first, h0/c0 as inputs, returns output, h_n and c_n."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(12, 16, num_layers=2, bidirectional=True, batch_first=True)

    def forward(self, x, h0, c0):
        y, (h, c) = self.lstm(x, (h0, c0))
        return y, h, c


class Gru2Head(nn.Module):
    """2-layer GRU (seq-first) with h0, then Linear + ReLU + Linear per step and LogSoftmax."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(10, 20, num_layers=2)
        self.fc1 = nn.Linear(20, 24)
        self.fc2 = nn.Linear(24, 6)

    def forward(self, x, h0):
        y, h = self.gru(x, h0)
        return torch.log_softmax(self.fc2(torch.relu(self.fc1(y))), dim=-1), h


class BiGru2(nn.Module):
    """2-layer bidirectional GRU, batch_first, inter-layer dropout (train only), h0 in; output and h_n out."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(7, 10, num_layers=2, bidirectional=True, batch_first=True, dropout=0.2)

    def forward(self, x, h0):
        return self.gru(x, h0)


class BiRnn(nn.Module):
    """nn.RNN (tanh or relu), bidirectional, returning only h_n."""

    def __init__(self, nonlinearity, layers, batch_first):
        super().__init__()
        self.rnn = nn.RNN(8, 12, num_layers=layers, nonlinearity=nonlinearity, bidirectional=True, batch_first=batch_first)

    def forward(self, x, h0):
        _, h = self.rnn(x, h0)
        return h


class LstmMix(nn.Module):
    """Bidirectional LSTM whose halves are combined elementwise and concatenated per step; its h_n
    (directions moved next to the units, Flatten) goes through nn.Linear as Gemm.

    Flatten over the seq axis (Linear(seq * features)) is left out: rnnc makes seq a run-time size
    even in a fixed-shape export, so it rejects that Gemm ("cannot multiply A [batch, 24*seq]").
    """

    def __init__(self):
        super().__init__()
        self.hidden = 8
        self.lstm = nn.LSTM(6, self.hidden, bidirectional=True, batch_first=True)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(2 * self.hidden, 5)

    def forward(self, x):
        y, (h, _) = self.lstm(x)
        fwd, bwd = y[:, :, :self.hidden], y[:, :, self.hidden:]
        gate = torch.sigmoid(bwd)
        mixed = torch.tanh(fwd) * gate + (1.0 - gate) * fwd
        diff = (fwd - bwd) / 2.0
        steps = torch.cat([mixed, diff, y[:, :, :4], fwd[:, :, 4:]], dim=-1)
        return steps, self.fc(self.flatten(h.transpose(0, 1)))


class CharLstm(nn.Module):
    """Embedding + LSTM + Dropout (train-only) + Linear, batch_first, returning logits and (h_n, c_n)."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(40, 16)
        self.lstm = nn.LSTM(16, 48, batch_first=True)
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(48, 40)

    def forward(self, tokens):
        y, (h, c) = self.lstm(self.emb(tokens))
        return self.fc(self.drop(y)), h, c


class GruGemm(nn.Module):
    """GRU over the sequence; the last layer's h_n (2-D) goes through nn.Linear (Gemm), Tanh, Linear, Softmax."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(9, 14, batch_first=True)
        self.fc1 = nn.Linear(14, 10)
        self.fc2 = nn.Linear(10, 4)

    def forward(self, x):
        _, h = self.gru(x)
        return torch.softmax(self.fc2(torch.tanh(self.fc1(h[-1]))), dim=-1)


class Lstm3Stack(nn.Module):
    """3-layer unidirectional LSTM, seq-first, no initial state; Y_h and Y_c of every layer out."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 7, num_layers=3)

    def forward(self, x):
        y, (h, c) = self.lstm(x)
        return y, h, c


def lstm_state(layers, batch, hidden, rng):
    return rng.standard_normal((layers, batch, hidden)).astype(np.float32) * 0.5


def specs():
    """name -> (module factory, sample inputs {name: array}, output names, dynamic axes or None)."""
    rng = np.random.default_rng(20240611)
    f32 = lambda *shape: rng.standard_normal(shape).astype(np.float32)
    seq_batch_bf = {0: 'batch', 1: 'seq'}
    seq_batch_sf = {0: 'seq', 1: 'batch'}
    state = {1: 'batch'}
    return {
        'bilstm2_bf': (BiLstm2, {'x': f32(3, 9, 12), 'h0': lstm_state(4, 3, 16, rng), 'c0': lstm_state(4, 3, 16, rng)},
                       ['y', 'h_n', 'c_n'],
                       {'x': seq_batch_bf, 'h0': state, 'c0': state, 'y': seq_batch_bf, 'h_n': state, 'c_n': state}),
        'gru2_head': (Gru2Head, {'x': f32(11, 4, 10), 'h0': lstm_state(2, 4, 20, rng)}, ['logprobs', 'h_n'],
                      {'x': seq_batch_sf, 'h0': state, 'logprobs': seq_batch_sf, 'h_n': state}),
        'bigru2_bf': (BiGru2, {'x': f32(2, 8, 7), 'h0': lstm_state(4, 2, 10, rng)}, ['y', 'h_n'],
                      {'x': seq_batch_bf, 'h0': state, 'y': seq_batch_bf, 'h_n': state}),
        'birnn_tanh': (lambda: BiRnn('tanh', 2, False), {'x': f32(7, 2, 8), 'h0': lstm_state(4, 2, 12, rng)}, ['h_n'],
                       {'x': seq_batch_sf, 'h0': state, 'h_n': state}),
        'birnn_relu': (lambda: BiRnn('relu', 1, True), {'x': f32(3, 6, 8), 'h0': lstm_state(2, 3, 12, rng)}, ['h_n'], None),
        'lstm_mix': (LstmMix, {'x': f32(2, 5, 6)}, ['steps', 'summary'], None),
        'char_lstm40': (CharLstm, {'tokens': rng.integers(0, 40, (2, 13)).astype(np.int64)}, ['logits', 'h_n', 'c_n'],
                        {'tokens': seq_batch_bf, 'logits': seq_batch_bf, 'h_n': state, 'c_n': state}),
        'gru_gemm': (GruGemm, {'x': f32(4, 10, 9)}, ['probs'], {'x': seq_batch_bf, 'probs': {0: 'batch'}}),
        'lstm3_stack': (Lstm3Stack, {'x': f32(6, 2, 5)}, ['y', 'h_n', 'c_n'], None),
    }


def write_tensor(path, array, name):
    with open(path, 'wb') as f:
        f.write(onnx.numpy_helper.from_array(np.ascontiguousarray(array), name).SerializeToString())


def make(name, factory, inputs, output_names, dynamic_axes):
    torch.manual_seed(sum(map(ord, name)))
    export_with_data(name, factory().eval(), inputs, output_names, dynamic_axes)


def export_with_data(name, module, inputs, output_names, dynamic_axes, root=HERE, opset=OPSET, **export_options):
    """Exports `module` to root/name/model.onnx with its inputs and torch's outputs as test_data_set_0; prints a summary."""
    args = tuple(torch.from_numpy(a) for a in inputs.values())
    with torch.no_grad():
        outs = module(*args)
    outs = outs if isinstance(outs, tuple) else (outs,)

    out_dir = os.path.join(root, name)
    shutil.rmtree(out_dir, ignore_errors=True)
    data_dir = os.path.join(out_dir, 'test_data_set_0')
    os.makedirs(data_dir)
    model_path = os.path.join(out_dir, 'model.onnx')
    torch.onnx.export(module, args, model_path, opset_version=opset, input_names=list(inputs), output_names=output_names,
                      dynamic_axes=dynamic_axes, do_constant_folding=True, **export_options)
    onnx.checker.check_model(onnx.load(model_path))

    for i, (input_name, a) in enumerate(inputs.items()):
        write_tensor(os.path.join(data_dir, f'input_{i}.pb'), a, input_name)
    for i, (output_name, t) in enumerate(zip(output_names, outs)):
        write_tensor(os.path.join(data_dir, f'output_{i}.pb'), t.numpy(), output_name)

    ops = collections.Counter(n.op_type for n in onnx.load(model_path).graph.node)
    size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(out_dir) for f in fs)
    kind = 'dynamic seq/batch' if dynamic_axes else 'fixed shapes'
    print(f'{name}: {size} bytes, {kind}, ops {dict(sorted(ops.items()))}')


def make_named(all_specs, make_one, names):
    """Makes the models `names` names (every one when empty) with `make_one`; an unknown name exits, listing the known."""
    unknown = [n for n in names if n not in all_specs]
    if unknown:
        sys.exit(f'unknown model(s): {", ".join(unknown)}; known: {", ".join(all_specs)}')
    for name, spec in all_specs.items():
        if not names or name in names:
            make_one(name, *spec)


def main(names):
    make_named(specs(), make, names)


if __name__ == '__main__':
    main(sys.argv[1:])
