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
from nn.data.fetch import FetchError, data_dir, fetch_mnist
from nn.data.fetch import main as fetch_main
from nn.data.images import load_digits, load_mnist, load_mnist5k, train_test_split
from nn.data.loader import DataLoader

__all__ = [
    "DataLoader",
    "FetchError",
    "data_dir",
    "fetch_main",
    "fetch_mnist",
    "load_digits",
    "load_mnist",
    "load_mnist5k",
    "safe_pickle",
    "train_test_split",
]
