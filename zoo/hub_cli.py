"""`zoo publish` and `zoo pull`: the Hub side of the command line."""
from __future__ import annotations

from pathlib import Path

import click

from registry.hub_access import hub_cache
from registry.summary import count

from .hub import publish, pull

__all__ = ["publish_cmd", "pull_cmd"]


@click.command("publish")
@click.argument("registry", type=click.Path(path_type=Path))
@click.option("--repo", required=True, metavar="ORG/NAME", help="The Hub model repo (created if missing).")
@click.option("--revision", default=None, metavar="BRANCH",
              help="Branch to commit to (created if missing; default main).")
@click.option("--private", is_flag=True, help="Create the repo private.")
@click.option("--message", "-m", default=None, help="Commit message.")
@click.option("--overwrite-card", is_flag=True, help="Replace a README on the Hub that was not written by wcgan-zoo.")
@click.option("--folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep the built repo folder here (it must be empty or absent).")
def publish_cmd(registry: Path, repo: str, revision: str | None, private: bool, message: str | None,
                overwrite_card: bool, folder: Path | None) -> None:
    """Publish the REGISTRY folder as a Hub model repo: the changed files (in commits of 200, index and card last).

    The token is HF_TOKEN or the one saved by `hf auth login`; HF_ENDPOINT selects another Hub."""
    if folder is not None and folder.exists() and any(folder.iterdir()):
        raise click.UsageError(f"--folder {folder}: expected an empty or absent folder")
    report = publish(registry, repo, revision=revision, private=private, message=message,
                     overwrite_card=overwrite_card, folder=folder)
    if report.card_kept:
        click.echo("kept the README on the Hub (not written by wcgan-zoo); --overwrite-card replaces it", err=True)
    if report.commit_url is None:
        click.echo(f"{repo}@{report.revision}: up to date ({count(len(report.unchanged), 'file')} unchanged)")
    else:
        click.echo(f"{repo}@{report.revision}: uploaded {count(len(report.uploaded), 'file')}, "
                   f"{len(report.unchanged)} unchanged: {report.commit_url}")


@click.command("pull")
@click.argument("repo", metavar="ORG/NAME")
@click.option("--dataset", "-d", default=None, help="Only this data set.")
@click.option("--labels", default=None, help="Only these labels of --dataset: '0-9', '0,3,5-7' or class names.")
@click.option("--revision", default=None, help="Branch, tag or commit (default main).")
def pull_cmd(repo: str, dataset: str | None, labels: str | None, revision: str | None) -> None:
    """Download generators of a Hub repo into the local Hub cache, each checked against the index's sha256.

    Afterwards `--registry hf://ORG/NAME` (or registry="hf://ORG/NAME" in Python) works offline."""
    paths = pull(repo, revision=revision, dataset=dataset, labels=labels)
    click.echo(f"pulled {count(len(paths), 'file')} of {repo} into {hub_cache()}; sample with --registry hf://{repo}"
               + (f"@{revision}" if revision else ""))
