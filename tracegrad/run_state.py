"""``tracegrad train MODEL --resume DIR``: a run's whole state after each epoch, and back.

After every epoch a run writes ``resume.npz`` into its folder, beside its model checkpoint:
the model, the optimizer's state, the lr scheduler's, the random generators it draws from
(the batches' shuffling and ``nn.init``'s, which `nn.manual_seed` seeds), the history so far
and the recipe's arguments (`nn.train_state`: one atomic .npz, never pickled). Resuming
rebuilds the run from the same arguments, loads that file and trains the remaining epochs,
so it ends with the same weights and metrics as a run that was never stopped.

- `RunState`: what a recipe hands over — ``begin(resume)`` before training, ``on_epoch``;
- `saved_run`: the arguments and complete epochs of the run saved in a folder, checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import nn
from nn.train_state import load_training_state, read_training_info, save_training_state
from tracegrad.run_files import checkpoint_each_epoch

RESUME_FILE = "resume.npz"


def saved_run(folder: Path, model: str) -> tuple[dict[str, Any], int]:
    """The recipe arguments and the number of complete epochs of the ``model`` run saved in
    ``folder``. ValueError, in one line, for a missing folder, a folder without
    ``resume.npz``, a damaged or foreign file, or another model's run."""
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ValueError(f"{folder} {what}; give the folder of the run to continue")
    path = folder / RESUME_FILE
    if not path.is_file():
        raise ValueError(
            f"{folder} has no {RESUME_FILE}, so there is nothing to resume: a run writes it "
            "after each complete epoch"
        )
    try:
        info = read_training_info(path)
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot resume from {path}: {err}") from None
    args = info["extra"].get("run")
    if not isinstance(args, dict) or not isinstance(args.get("model"), str):
        raise ValueError(f"cannot resume from {path}: it does not say which run it belongs to")
    if args["model"] != model:
        raise ValueError(
            f"{path} holds a {args['model']} run, not {model}: use tracegrad train "
            f"{args['model']} --resume {folder}"
        )
    return args, info["epoch"]


@dataclass
class RunState:
    """One recipe's run: its ``folder``, the arguments it was called with (``args``: model,
    settings as given, ``epochs`` as the target), and what training changes or draws from."""

    folder: Path
    args: dict[str, Any]
    model: nn.Module
    optimizer: Any
    scheduler: Any
    generators: dict[str, np.random.Generator] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        """The run's ``resume.npz``."""
        return self.folder / RESUME_FILE

    def save(self, epoch: int, history: dict[str, list[float]]) -> None:
        """Write the state after ``epoch`` complete epochs (atomic)."""
        save_training_state(
            self.path,
            model=self.model,
            optimizer=self.optimizer,
            scheduler=self.scheduler,
            epoch=epoch,
            history=history,
            generators=self.generators,
            extra={"run": self.args},
        )

    def begin(self, resume: bool) -> dict[str, Any]:
        """``fit``'s ``initial_epoch`` and ``history``: a fresh start, or (``resume``) the
        last complete epoch saved in the folder, restored into the model, optimizer,
        scheduler and generators. ValueError if the saved run was started with other
        arguments (``epochs`` may grow) or has trained ``epochs`` already."""
        if not resume:
            return {"initial_epoch": 0, "history": None}
        saved, done = saved_run(self.folder, self.args["model"])
        for key, value in self.args.items():
            if key != "epochs" and saved.get(key) != value:
                raise ValueError(
                    f"the run in {self.folder} was started with {key}={saved.get(key)!r}, not "
                    f"{value!r}; a resumed run keeps its settings"
                )
        if done >= self.args["epochs"]:
            raise ValueError(
                f"the run in {self.folder} has trained {done} epochs already; ask for more "
                f"than {done} epochs to continue it"
            )
        epoch, history, _ = load_training_state(
            self.path,
            model=self.model,
            optimizer=self.optimizer,
            scheduler=self.scheduler,
            generators=self.generators,
        )
        return {"initial_epoch": epoch, "history": history}

    def on_epoch(self, checkpoint: Path, title: str) -> Any:
        """``fit``'s ``on_epoch``: the model checkpoint, ``resume.npz`` and ``curves.png``."""
        return checkpoint_each_epoch(
            self.model, checkpoint, self.folder / "curves.png", title, self.save
        )
