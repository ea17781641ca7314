"""The application: the ``tracegrad`` command and its training recipes, on top of the
libraries `nn` (models, the training loop, data) and `viz` (pictures). Nothing in those
libraries imports this package.

- `tracegrad.cli`: the parser and dispatch (``tracegrad``, ``python -m tracegrad``);
- `tracegrad.args`: argument validators and one-line errors;
- `tracegrad.demo`, `tracegrad.graph_command`, `tracegrad.train_command`,
  `tracegrad.data_command`: one module per command;
- `tracegrad.recipes`: the one table of trainable models and their settings;
- `tracegrad.image_recipes`, `tracegrad.sequence_recipes`, `tracegrad.seq2seq_recipes`:
  the training runs, with `tracegrad.run_files` (what every run writes) and
  `tracegrad.text_splits` (held-out splits and quick-run limits of the text corpora).
"""
