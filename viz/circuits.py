"""The course's worked examples as recorded graphs, with the slides' names on every leaf."""

from __future__ import annotations

from autograd import Tensor


def add_mul_circuit(x: float = -2.0, y: float = 5.0, z: float = -4.0) -> dict[str, Tensor]:
    """``f = (x + y)·z`` with the intermediate ``q = x + y``; returns the named tensors."""
    xt = Tensor(x, requires_grad=True, name="x")
    yt = Tensor(y, requires_grad=True, name="y")
    zt = Tensor(z, requires_grad=True, name="z")
    q = xt + yt
    q.name = "q"
    f = q * zt
    f.name = "f"
    return {"x": xt, "y": yt, "z": zt, "q": q, "f": f}


def sigmoid_neuron(
    w: tuple[float, float, float] = (2.0, -3.0, -3.0), x: tuple[float, float] = (-1.0, -2.0)
) -> dict[str, Tensor]:
    """``f = 1 / (1 + e^-(w0·x0 + w1·x1 + w2))`` gate by gate, as on the slides."""
    w0, w1, w2 = (Tensor(v, requires_grad=True, name=f"w{i}") for i, v in enumerate(w))
    x0, x1 = (Tensor(v, requires_grad=True, name=f"x{i}") for i, v in enumerate(x))
    w0x0 = w0 * x0
    w1x1 = w1 * x1
    dot = w0x0 + w1x1
    s = dot + w2
    w0x0.name, w1x1.name, dot.name, s.name = "w0x0", "w1x1", "w0x0+w1x1", "s"
    minus_s = s * -1
    e = minus_s.exp()
    denominator = 1 + e
    minus_s.name, e.name, denominator.name = "-s", "exp(-s)", "1+exp(-s)"
    f = 1 / denominator
    f.name = "f"
    return {
        "w0": w0,
        "x0": x0,
        "w1": w1,
        "x1": x1,
        "w2": w2,
        "w0x0": w0x0,
        "w1x1": w1x1,
        "s": s,
        "f": f,
    }
