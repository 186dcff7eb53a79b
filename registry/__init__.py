"""Storage of generators: self-describing safetensors files indexed by data set and label.

The registry knows files, in a folder or a Hub repo, never models; it reads only safetensors and JSON.
"""
from .errors import (ChecksumMismatch, CorruptFile, EntryNotFound, HubUnavailable, InvalidMeta, InvalidName,
                     RegistryError, RegistryNotFound, StorageFull, suggest)
from .files import GeneratorFile, read_generator, read_meta
from .index import INDEX_NAME
from .meta import FORMAT_VERSION, GeneratorMeta
from .names import check_dataset_name, check_label
from .protocol import Registry
from .records import DatasetEntry, ExtraRecord, GeneratorRecord, Index, MetricsBlock
from .store import DatasetSummary, LocalRegistry
from .verify import VerifyReport, verify

__all__ = [
    "ChecksumMismatch", "CorruptFile", "DatasetEntry", "DatasetSummary", "EntryNotFound", "ExtraRecord",
    "FORMAT_VERSION", "GeneratorFile", "GeneratorMeta", "GeneratorRecord", "HubUnavailable", "INDEX_NAME", "Index",
    "MetricsBlock", "Registry", "InvalidMeta", "InvalidName", "LocalRegistry", "RegistryError",
    "RegistryNotFound", "VerifyReport", "check_dataset_name", "check_label", "read_generator", "read_meta",
    "StorageFull", "suggest", "verify",
]
