#!/usr/bin/python3
"""Regenerates the small PyTorch CRNN exports in test/models/crnn/<name>/: a convolution front end
before a recurrent layer, as voice activity detection, keyword spotting and speech feature models
put it.

Each model is a torch.nn.Module with fixed seeds, exported with torch.onnx.export (opset 14) with
the batch and time axes dynamic (as a PyTorch user exports a model that takes any clip), and run in
torch on a sample input; the directory gets model.onnx plus test_data_set_0/input_N.pb and
output_N.pb, the layout of the ONNX backend tests (`rnnc check test/models/crnn/<name>`). The
time axis is named 'time', not 'seq': the RNN's sequence length follows from it through the
convolutions, so test/models.test.ts's run at seq = 1 does not apply; test/crnn.test.ts tests
these at other lengths.

    /usr/bin/python3 test/models/make_crnn.py [name ...]

The outputs are committed; rerun only when a model here changes.
"""
import os
import sys

import numpy as np
import torch
from torch import nn

# The TorchScript exports' shared pieces (this folder is on sys.path when the script runs).
from make_models import export_with_data, make_named

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'crnn')
OPSET = 14
# Exported with TrainingMode.PRESERVE (the module is in eval mode, so inference): torch would
# otherwise fold the BatchNorm into the Conv itself, and rnnc's own fold would go untested.
KEEP_BATCHNORM = {'conv_bn_pool_gru'}


class ConvBnPoolGru(nn.Module):
    """Conv1d + BatchNorm1d + ReLU + MaxPool1d, then a batch-first GRU; per-frame outputs and h_n."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 8, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm1d(8)
        self.pool = nn.MaxPool1d(2)
        self.gru = nn.GRU(8, 12, batch_first=True)

    def forward(self, x):
        f = self.pool(torch.relu(self.bn(self.conv(x))))
        y, h = self.gru(f.transpose(1, 2))
        return y, h


class DepthwiseBiLstm(nn.Module):
    """Depthwise dilated strided Conv1d (+ ReLU), a pointwise Conv1d, then a bidirectional LSTM."""

    def __init__(self):
        super().__init__()
        self.dw = nn.Conv1d(6, 6, kernel_size=3, stride=2, dilation=2, padding=2, groups=6)
        self.pw = nn.Conv1d(6, 10, kernel_size=1)
        self.lstm = nn.LSTM(10, 8, bidirectional=True, batch_first=True)

    def forward(self, x):
        f = self.pw(torch.relu(self.dw(x)))
        y, _ = self.lstm(f.transpose(1, 2))
        return y


class StftLstm(nn.Module):
    """Reflect pad, an STFT as a strided Conv1d with a fixed Fourier basis, magnitude by Pow and Sqrt,
    then an LSTM that takes its state in (h0, c0) and gives it out (h_n, c_n), as streaming VADs do."""

    def __init__(self, n_fft=32, hop=8, hidden=16):
        super().__init__()
        self.n_fft, self.bins = n_fft, n_fft // 2 + 1
        t = np.arange(n_fft)
        k = np.arange(self.bins)[:, None]
        window = np.hanning(n_fft + 1)[:-1]
        basis = np.concatenate([np.cos(2 * np.pi * k * t / n_fft), -np.sin(2 * np.pi * k * t / n_fft)]) * window
        self.register_buffer('basis', torch.from_numpy(basis[:, None, :].astype(np.float32)))
        self.hop = hop
        self.lstm = nn.LSTM(self.bins, hidden, batch_first=True)

    def forward(self, x, h0, c0):
        pad = self.n_fft // 2
        padded = nn.functional.pad(x.unsqueeze(1), (pad, pad), mode='reflect')
        spec = nn.functional.conv1d(padded, self.basis, stride=self.hop)
        re, im = spec[:, :self.bins], spec[:, self.bins:]
        magnitude = torch.sqrt(torch.pow(re, 2) + torch.pow(im, 2))
        y, (h, c) = self.lstm(magnitude.transpose(1, 2), (h0, c0))
        return y, h, c


def specs():
    """name -> (module factory, sample inputs {name: array}, output names, dynamic axes)."""
    rng = np.random.default_rng(20261206)
    f32 = lambda *shape: rng.standard_normal(shape).astype(np.float32)
    frames = {0: 'batch', 1: 'frames'}
    return {
        'conv_bn_pool_gru': (ConvBnPoolGru, {'x': f32(2, 4, 20)}, ['y', 'h_n'],
                             {'x': {0: 'batch', 2: 'time'}, 'y': frames, 'h_n': {1: 'batch'}}),
        'dw_bilstm': (DepthwiseBiLstm, {'x': f32(3, 6, 25)}, ['y'], {'x': {0: 'batch', 2: 'time'}, 'y': frames}),
        'stft_lstm': (StftLstm, {'x': f32(2, 96) * 0.3, 'h0': f32(1, 2, 16) * 0.5, 'c0': f32(1, 2, 16) * 0.5},
                      ['y', 'h_n', 'c_n'],
                      {'x': {0: 'batch', 1: 'time'}, 'h0': {1: 'batch'}, 'c0': {1: 'batch'}, 'y': frames,
                       'h_n': {1: 'batch'}, 'c_n': {1: 'batch'}}),
    }



def randomize_batchnorm(module, seed):
    """Running statistics and affine parameters away from their defaults, so the fold is tested."""
    g = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, nn.BatchNorm1d):
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.3)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.2)


def make(name, factory, inputs, output_names, dynamic_axes):
    torch.manual_seed(sum(map(ord, name)))
    module = factory()
    randomize_batchnorm(module, sum(map(ord, name)))
    module = module.eval()
    training = torch.onnx.TrainingMode.PRESERVE if name in KEEP_BATCHNORM else torch.onnx.TrainingMode.EVAL
    export_with_data(name, module, inputs, output_names, dynamic_axes, root=HERE, opset=OPSET, training=training)


def main(names):
    make_named(specs(), make, names)


if __name__ == '__main__':
    main(sys.argv[1:])
