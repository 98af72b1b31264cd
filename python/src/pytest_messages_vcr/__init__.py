"""pytest-messages-vcr: record Anthropic Messages API traffic once, replay it in every test run."""

from .server import ServerNotFound, VCRServer, find_binary

__all__ = ["ServerNotFound", "VCRServer", "find_binary"]
__version__ = "0.1.0"
