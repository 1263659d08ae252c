"""pytest-carryon: regression-test LLMs for over-refusal and safety across multi-turn conversations."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pytest-carryon")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
