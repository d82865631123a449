#!/usr/bin/python3
"""Trains the demo's character-level LSTM on demo/corpus.txt and exports it for rnnc.

    apt-get install -y python3-torch python3-onnx libopenblas0-pthread   # Debian's PyTorch; no pip
    /usr/bin/python3 demo/train_charlm.py              # writes demo/charlm.onnx and demo/vocab.json

Model: Embedding(V, 32) -> LSTM(32, 128) -> Linear(128, V) -> Softmax, seq-first (tokens [seq, batch]
int64, probs [seq, batch, V]), exported with torch.onnx.export at opset 14 with dynamic seq and
batch axes. The corpus is a short text written for this repo (public domain). Seeded, CPU only:
a few minutes on one core with OpenBLAS (Debian's torch falls back to the reference BLAS without
libopenblas0, about 40x slower). The tests only use the committed outputs, never Python.
"""
import json
import os
import sys

os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')  # before torch loads BLAS: threads only contend here
import torch  # noqa: E402
from torch import nn  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EMBED, HIDDEN = 32, 128
SEQ, BATCH, STEPS, LR = 64, 32, int(os.environ.get('STEPS', '2500')), 3e-3


class CharLM(nn.Module):
    def __init__(self, vocab: int):
        super().__init__()
        self.emb = nn.Embedding(vocab, EMBED)
        self.rnn = nn.LSTM(EMBED, HIDDEN)
        self.fc = nn.Linear(HIDDEN, vocab)

    def forward(self, tokens):  # tokens [seq, batch] -> next-character probabilities [seq, batch, V]
        y, _ = self.rnn(self.emb(tokens))
        return torch.softmax(self.fc(y), dim=-1)

    def logits(self, tokens):
        y, _ = self.rnn(self.emb(tokens))
        return self.fc(y)


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)  # small matrices: more threads only contend
    text = open(os.path.join(HERE, 'corpus.txt'), encoding='utf-8').read()
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([index[c] for c in text], dtype=torch.long)
    model = CharLM(len(chars))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, STEPS)
    loss_fn = nn.CrossEntropyLoss()
    for step in range(1, STEPS + 1):
        starts = torch.randint(0, len(data) - SEQ - 1, (BATCH,))
        x = torch.stack([data[s:s + SEQ] for s in starts], dim=1)          # [SEQ, BATCH]
        y = torch.stack([data[s + 1:s + SEQ + 1] for s in starts], dim=1)
        loss = loss_fn(model.logits(x).reshape(-1, len(chars)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 250 == 0:
            print(f'step {step}: loss {loss.item():.3f}', flush=True)

    model.eval()
    with torch.no_grad():
        prompt = 'the keeper '
        tokens = [index[c] for c in prompt]
        out = prompt
        g = torch.Generator().manual_seed(1)
        for _ in range(160):
            p = model(torch.tensor(tokens, dtype=torch.long)[:, None])[-1, 0]
            t = int(torch.multinomial(p, 1, generator=g))
            tokens.append(t)
            out += chars[t]
        print('sample:', out)

        example = torch.tensor([index[c] for c in 'the sea'], dtype=torch.long)[:, None]
        torch.onnx.export(model, (example,), os.path.join(HERE, 'charlm.onnx'), opset_version=14,
                          input_names=['tokens'], output_names=['probs'],
                          dynamic_axes={'tokens': {0: 'seq', 1: 'batch'}, 'probs': {0: 'seq', 1: 'batch'}})
    with open(os.path.join(HERE, 'vocab.json'), 'w', encoding='utf-8') as f:
        json.dump({'chars': chars, 'input': 'tokens', 'output': 'probs', 'embed': EMBED, 'hidden': HIDDEN,
                   'steps': STEPS, 'final_loss': round(loss.item(), 4), 'corpus': 'demo/corpus.txt'}, f, indent=1)
        f.write('\n')
    print('wrote', os.path.join(HERE, 'charlm.onnx'), os.path.getsize(os.path.join(HERE, 'charlm.onnx')), 'bytes', file=sys.stderr)


if __name__ == '__main__':
    main()
