"""Library adapters (import package `hpo_adapters`): `hpo_adapters.optuna.OptunaSearch`,
`hpo_adapters.hyperopt.HyperOptSearch`, `hpo_adapters.bayesopt.BayesOptSearch`.

Importing this package imports none of the libraries; each adapter imports its own when constructed and, when it
is missing, says which extra installs it (`pip install "asktell[optuna]"`, `[hyperopt]`, `[bayesopt]`).
"""
