"""Data for `nn`: bundled image sets (offline), full MNIST via a one-time fetch, batching.

    from nn.data import DataLoader, load_mnist5k, train_test_split
    x, y = load_mnist5k()                       # (5000, 1, 28, 28) float32, (5000,) int64
    (x_tr, y_tr), (x_te, y_te) = train_test_split(x, y, stratify=y)
    loader = DataLoader((x_tr, y_tr), batch_size=64, shuffle=True,
                        generator=np.random.default_rng(0))
    for xb, yb in loader: ...                   # autograd Tensors

Sources and licences of the bundled files: DATA_LICENSES.md.
"""

from nn.data import safe_pickle
from nn.data.corpora import (
    load_bible_full_sentences,
    load_bible_full_verses,
    load_bible_sentences,
    load_bible_verses,
    load_kjv_web_pairs,
    load_tang_quatrains,
    poem_text,
    tokenize_words,
)
from nn.data.dates import DATE_FORMATS, date_pairs, format_date, split_dates
from nn.data.fetch import FetchError, data_dir, fetch_bible, fetch_kjv_web, fetch_mnist
from nn.data.fetch import main as fetch_main
from nn.data.images import load_digits, load_mnist, load_mnist5k, train_test_split
from nn.data.loader import DataLoader
from nn.data.text import Vocab, lm_batches, pad_batch, pair_batches

__all__ = [
    "DATE_FORMATS",
    "DataLoader",
    "FetchError",
    "Vocab",
    "data_dir",
    "date_pairs",
    "fetch_bible",
    "fetch_kjv_web",
    "fetch_main",
    "fetch_mnist",
    "format_date",
    "lm_batches",
    "load_bible_full_sentences",
    "load_bible_full_verses",
    "load_bible_sentences",
    "load_bible_verses",
    "load_digits",
    "load_kjv_web_pairs",
    "load_mnist",
    "load_mnist5k",
    "load_tang_quatrains",
    "pad_batch",
    "pair_batches",
    "poem_text",
    "safe_pickle",
    "split_dates",
    "tokenize_words",
    "train_test_split",
]
