#!/usr/bin/env python3
"""Writes the bundled example model: examples/charlm/model.onnx, a character language model the way
PyTorch exports one (embedding -> 2-layer LSTM -> linear head), with random but fixed weights, plus a
sample input and PyTorch's own output in the ONNX backend-test layout (test_data_set_0), so that
`rnnc check examples/charlm` compares rnnc with PyTorch.

Needs Debian's python3-torch and python3-onnx (apt-get install -y python3-torch python3-onnx); the
committed outputs mean nothing else does. Run: /usr/bin/python3 examples/make_example.py
"""
import os

import numpy as np
import onnx
import onnx.numpy_helper
import torch

VOCAB, EMB, HIDDEN, LAYERS = 96, 32, 128, 2
SEQ, BATCH = 64, 1


class CharLM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(VOCAB, EMB)
        self.rnn = torch.nn.LSTM(EMB, HIDDEN, num_layers=LAYERS)
        self.head = torch.nn.Linear(HIDDEN, VOCAB)

    def forward(self, tokens):
        out, _ = self.rnn(self.emb(tokens))
        return self.head(out)


def main():
    torch.manual_seed(7)
    model = CharLM().eval()
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = os.path.join(here, "charlm")
    data_dir = os.path.join(out_dir, "test_data_set_0")
    os.makedirs(data_dir, exist_ok=True)
    tokens = torch.randint(0, VOCAB, (SEQ, BATCH), dtype=torch.int64)
    path = os.path.join(out_dir, "model.onnx")
    torch.onnx.export(
        model, (tokens,), path, opset_version=14, input_names=["tokens"], output_names=["logits"],
        dynamic_axes={"tokens": {0: "seq", 1: "batch"}, "logits": {0: "seq", 1: "batch"}},
    )
    with torch.no_grad():
        logits = model(tokens).numpy().astype(np.float32)
    for name, array, file in (("tokens", tokens.numpy(), "input_0.pb"), ("logits", logits, "output_0.pb")):
        with open(os.path.join(data_dir, file), "wb") as f:
            f.write(onnx.numpy_helper.from_array(array, name).SerializeToString())
    np.save(os.path.join(out_dir, "tokens.npy"), tokens.numpy())
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
