"""The one table of what ``tracegrad train`` trains: every model, the options it uses, the
data it needs and its default settings. No nn import here: the command line reads this
table before deciding whether to load the (slower) training code.

- `MODELS`: model name -> `Model` (image or sequence, options, fetched data, defaults);
- `IMAGE_RECIPES`: (image model, data set) -> `ImageRecipe` (measured in the README);
- `SEQ2SEQ_RECIPES`: seq2seq model -> `Seq2SeqRecipe`.
"""

from __future__ import annotations

from dataclasses import dataclass

IMAGE_DATA = ("digits", "mnist5k", "mnist")  # `--data` of the image models
FETCHABLE = ("mnist", "bible", "kjv-web")  # what `tracegrad data fetch` knows (nn.data.fetch)

_IMAGE = ("--data", "--epochs", "--lr", "--batch-size")
_SEQ2SEQ = ("--epochs", "--lr", "--batch-size", "--no-attention")


@dataclass(frozen=True)
class Model:
    """One ``tracegrad train`` model: ``kind`` ("image": `tracegrad.image_recipes`;
    "sequence": `tracegrad.sequence_recipes`), the options it uses besides --seed and --out
    (the others are refused), the fetched data sets it trains on, its default --data (image
    models) and its default epochs (sequence models; image epochs are per data set).

    ``infer``: what its inference half does (`tracegrad.inference`): "classify" an image,
    "reconstruct" one, "translate" text, list "similar" words (``tracegrad predict``) or
    "sample" text (``tracegrad sample``). ``resume``: why ``--resume`` cannot continue it,
    or None if it can (`tracegrad.run_state`)."""

    kind: str
    options: tuple[str, ...]
    infer: str
    fetched: tuple[str, ...] = ()
    data: str | None = None
    epochs: int | None = None
    resume: str | None = None


MODELS: dict[str, Model] = {
    "mlp": Model("image", _IMAGE, "classify", data="digits"),
    "lenet": Model("image", _IMAGE, "classify", data="mnist5k"),
    "autoencoder": Model("image", _IMAGE, "reconstruct", data="digits"),
    "lstm-poems": Model("sequence", ("--epochs", "--lr", "--batch-size"), "sample", epochs=12),
    "seq2seq-dates": Model("sequence", _SEQ2SEQ, "translate", epochs=4),
    "seq2seq-poems": Model("sequence", _SEQ2SEQ, "translate", epochs=10),
    "seq2seq-kjv": Model("sequence", _SEQ2SEQ, "translate", fetched=("kjv-web",), epochs=4),
    # skip-gram SGD pair by pair: --lr is its starting alpha
    "word2vec": Model(
        "sequence",
        ("--epochs", "--lr"),
        "similar",
        epochs=5,
        resume="word2vec trains all its epochs in one fused SGD loop and writes its vectors "
        "only at the end, so there is no epoch to resume from; train it again",
    ),
}
IMAGE_MODELS = tuple(name for name, m in MODELS.items() if m.kind == "image")
SEQUENCE_MODELS = tuple(name for name, m in MODELS.items() if m.kind == "sequence")

# why an option does not apply, for the error message
NOT_USED = {
    "--data": "it trains on its own corpus",
    "--batch-size": "it trains pair by pair, without batches",
    "--no-attention": "only the seq2seq models have attention",
}


@dataclass(frozen=True)
class ImageRecipe:
    """Training settings for one image model on one data set (Adam, lr × gamma each epoch)."""

    epochs: int
    lr: float
    gamma: float = 1.0
    batch: int = 64


# measured on held-out data (README, "Models"); --epochs/--lr/--batch-size override
IMAGE_RECIPES = {
    ("mlp", "digits"): ImageRecipe(epochs=30, lr=3e-3, gamma=0.93),
    ("mlp", "mnist5k"): ImageRecipe(epochs=15, lr=1e-3, gamma=0.85),
    ("mlp", "mnist"): ImageRecipe(epochs=5, lr=1e-3, gamma=0.5),
    ("lenet", "mnist5k"): ImageRecipe(epochs=15, lr=2e-3, gamma=0.8),
    ("lenet", "mnist"): ImageRecipe(epochs=3, lr=2e-3, gamma=0.3),
    ("autoencoder", "digits"): ImageRecipe(epochs=30, lr=3e-3, gamma=0.95),
    ("autoencoder", "mnist5k"): ImageRecipe(epochs=20, lr=2e-3, gamma=0.9),
    ("autoencoder", "mnist"): ImageRecipe(epochs=5, lr=1e-3, gamma=0.5),
}


@dataclass(frozen=True)
class Seq2SeqRecipe:
    """One seq2seq run: ``tokens`` ("chars" or "words"), embedding and hidden ``size``,
    Adam ``lr`` × ``gamma`` per epoch, the decode length ``max_len``, the vocabularies'
    ``min_count`` and how many held-out pairs are scored (``n_eval``)."""

    title: str
    tokens: str
    size: tuple[int, int]
    lr: float
    gamma: float
    max_len: int
    min_count: int = 1
    n_eval: int = 500


SEQ2SEQ_RECIPES = {
    # dates in many formats → ISO, characters; exact match on held-out dates
    "seq2seq-dates": Seq2SeqRecipe(
        "dates → ISO", "chars", (32, 128), lr=3e-3, gamma=0.8, max_len=12, n_eval=1000
    ),
    # first line of a quatrain → its second line, characters
    "seq2seq-poems": Seq2SeqRecipe(
        "first line → second line", "chars", (128, 256), 3e-3, 0.85, max_len=8, min_count=2
    ),
    # King James → World English verses, words, verses up to 30 words
    "seq2seq-kjv": Seq2SeqRecipe(
        "KJV → WEB", "words", (128, 256), 2e-3, 0.8, max_len=40, min_count=3, n_eval=300
    ),
}
