"""Training of generators: one WGAN-GP per label under a wall-clock budget (``run``, ``wgan_gp``), the
conditional baseline, label sharding over ranks and launchers (``shard``, ``pool``, ``slurm``), data
loaders (``data``) and evaluation metrics (``metrics``). ``zoo train`` / ``zoo eval`` are its commands."""
__all__: list[str] = []
