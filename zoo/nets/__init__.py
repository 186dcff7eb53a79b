"""Generator and critic architectures, built from a :class:`NetConfig`."""
from . import dcgan, resnet  # noqa: F401 - importing a family registers it
from .architectures import Architecture, build_critic, build_generator, get, names, register
from .config import WIDTH_PRESETS, NetConfig

__all__ = ["Architecture", "NetConfig", "WIDTH_PRESETS", "build_critic", "build_generator", "get", "names", "register"]
