"""nn.Word2Vec: the differentiable loss (gradcheck), the Numba trainer against autograd,
learning planted topics, vocabulary, errors, reproducibility and files."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Tensor, gradcheck
from autograd.kernels.word2vec import sgns_pair_update
from nn.word2vec import Word2Vec


def _model(sg, negative, v=7, d=3, seed=0):
    m = Word2Vec(v, d, sg=sg, negative=negative)
    rng = np.random.default_rng(seed)
    m.in_embed.weight.data = rng.standard_normal((v, d))
    m.out_embed.weight.data = rng.standard_normal((v, d))  # nonzero, so every grad is exercised
    return m


def _check(m, *args):
    def loss(w_in, w_out):
        m.in_embed.weight, m.out_embed.weight = w_in, w_out
        return m(*args)

    w_in = Tensor(m.in_embed.weight.data, requires_grad=True)
    w_out = Tensor(m.out_embed.weight.data, requires_grad=True)
    assert gradcheck(loss, w_in, w_out)


def test_word2vec_skipgram_ns_gradcheck():
    _check(
        _model(1, 2), np.array([0, 3, 3]), np.array([1, 2, 6]), np.array([[4, 5], [0, 1], [2, 2]])
    )


def test_word2vec_skipgram_softmax_gradcheck():
    _check(_model(1, 0), np.array([0, 3, 3]), np.array([1, 2, 6]))


@pytest.mark.parametrize("negative", [0, 2])
def test_word2vec_cbow_gradcheck(negative):
    context = np.array([[1, 2, -1, 4], [5, 6, 0, 0], [-1, -1, 3, -1]])
    negs = np.array([[4, 5], [1, 2], [6, 0]]) if negative else None
    _check(_model(0, negative), np.array([0, 3, 3]), context, negs)


def test_word2vec_kernel_step_equals_minus_alpha_grad():
    m = _model(1, 3)
    m.in_embed.weight.data *= 0.3
    w_in, w_out = m.in_embed.weight.data.copy(), m.out_embed.weight.data.copy()
    m.in_embed.weight.requires_grad = m.out_embed.weight.requires_grad = True
    negs = np.array([[4, 5, 1]])
    loss = m(np.array([2]), np.array([6]), negs)
    loss.backward()
    alpha = 0.05
    sgns_pair_update(w_in, w_out, 2, 6, negs[0].astype(np.int64), alpha)
    np.testing.assert_allclose(w_in, m.in_embed.weight.data - alpha * m.in_embed.weight.grad)
    np.testing.assert_allclose(w_out, m.out_embed.weight.data - alpha * m.out_embed.weight.grad)


def _topics(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    words = [[f"t{t}w{i}" for i in range(8)] for t in range(4)]
    return [list(rng.choice(words[rng.integers(4)], 10)) for _ in range(n)]


@pytest.mark.parametrize(("sg", "negative"), [(1, 5), (0, 5), (1, 0), (0, 0)])
def test_word2vec_train_learns_topics(sg, negative):
    m = Word2Vec.train(
        _topics(), vector_size=20, window=3, min_count=1, sg=sg, negative=negative, epochs=5
    )
    hits = [w2[:2] == w[:2] for w in m.vocab.itos for w2, _ in m.most_similar(w, topn=3)]
    assert np.mean(hits) >= 0.9


def test_word2vec_vocab_min_count_and_order():
    sents = [["a", "b", "a", "c"], ["a", "b", "d"]]
    m = Word2Vec.train(sents, vector_size=4, min_count=2, epochs=1, window=2)
    assert m.vocab.itos == ["a", "b"]
    assert list(m.vocab.counts) == [3, 2]
    assert m.in_embed.weight.shape == (2, 4)
    with pytest.raises(KeyError, match="'c'"):
        m.vector("c")


def test_word2vec_subsampling_drops_frequent_words():
    sents = [["the"] * 50 + ["x", "y"] for _ in range(50)]
    no = Word2Vec.train(sents, vector_size=4, min_count=1, epochs=1, sample=0)
    yes = Word2Vec.train(sents, vector_size=4, min_count=1, epochs=1, sample=1e-3)
    assert no.words_trained == 52 * 50
    assert 100 <= yes.words_trained < 0.5 * no.words_trained


def test_word2vec_errors():
    with pytest.raises(ValueError, match="empty vocabulary"):
        Word2Vec.train([], min_count=1)
    with pytest.raises(ValueError, match="empty vocabulary"):
        Word2Vec.train([["a"]], min_count=5)
    m = Word2Vec.train(_topics(200), vector_size=8, min_count=1, epochs=1)
    with pytest.raises(KeyError, match="'nope'"):
        m.most_similar("nope")
    with pytest.raises(KeyError, match="'nope'"):
        m.analogy("t0w0", "nope", "t1w1")
    with pytest.raises(ValueError, match="workers"):
        Word2Vec.train(_topics(10), workers=2)


def test_word2vec_same_seed_same_vectors():
    a = Word2Vec.train(_topics(300), vector_size=8, min_count=1, epochs=2, seed=3)
    b = Word2Vec.train(_topics(300), vector_size=8, min_count=1, epochs=2, seed=3)
    c = Word2Vec.train(_topics(300), vector_size=8, min_count=1, epochs=2, seed=4)
    np.testing.assert_array_equal(a.in_embed.weight.data, b.in_embed.weight.data)
    assert not np.array_equal(a.in_embed.weight.data, c.in_embed.weight.data)


def test_word2vec_queries_and_train_mode():
    m = Word2Vec.train(_topics(500), vector_size=16, min_count=1, epochs=3, window=3)
    sims = m.most_similar("t0w0", topn=5)
    assert len(sims) == 5
    assert "t0w0" not in [w for w, _ in sims]
    assert all(-1 <= s <= 1 for _, s in sims)
    assert m.vector("t0w0").shape == (16,)
    ((word, _),) = m.analogy("t0w0", "t0w1", "t1w0")
    assert word not in ("t0w0", "t0w1", "t1w0")
    acc, n = m.evaluate_analogies([("t0w0", "t0w1", "t1w0", word), ("a", "b", "c", "d")])
    assert (acc, n) == (1.0, 1)
    assert m.eval().training is False
    assert m.train().training is True


def test_word2vec_save_load_round_trip(tmp_path):
    m = Word2Vec.train(_topics(300), vector_size=8, min_count=1, epochs=1, sg=0)
    path = m.save(tmp_path / "w2v.npz")
    back = Word2Vec.load(path)
    assert back.vocab.itos == m.vocab.itos
    assert list(back.vocab.counts) == list(m.vocab.counts)
    assert (back.sg, back.negative, back.vector_size) == (0, 5, 8)
    np.testing.assert_array_equal(back.vector("t2w3"), m.vector("t2w3"))
    assert back.most_similar("t1w1", 3) == m.most_similar("t1w1", 3)


def test_corrupt_or_foreign_checkpoint_gives_a_clear_error(tmp_path):
    model = Word2Vec.train([["a", "b", "c"]] * 20, vector_size=4, min_count=1, epochs=1)
    path = model.save(tmp_path / "w2v.npz")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError, match="truncated or foreign"):
        Word2Vec.load(path)
    other = tmp_path / "other.npz"
    np.savez(other, x=np.zeros(3))
    with pytest.raises(ValueError, match="no word2vec settings"):
        Word2Vec.load(other)


def test_fit_between_forward_and_backward_makes_the_backward_raise():
    # the SGD epoch changes the tables in place: a loss that saved them (the full softmax
    # multiplies by the whole output table) must not backpropagate with the new values
    model = Word2Vec.train(_topics(60), vector_size=4, min_count=1, epochs=1, negative=0, seed=0)
    loss = model(np.array([0, 1]), np.array([1, 2]))
    model.fit(_topics(60), epochs=1)
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()
    fresh = model(np.array([0, 1]), np.array([1, 2]))
    fresh.backward()  # a graph built after the epoch is fine
    assert model.out_embed.weight.grad is not None
