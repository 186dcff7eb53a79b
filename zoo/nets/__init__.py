"""Generator and critic architectures, built from a :class:`NetConfig`."""
from .config import WIDTH_PRESETS, NetConfig
from .registry import Architecture, build_critic, build_generator, get, names, register

__all__ = ["Architecture", "NetConfig", "WIDTH_PRESETS", "build_critic", "build_generator", "get", "names", "register"]
