"""intake: turn a folder of medical records into an indexed second-opinion packet."""

__version__ = "0.3.0"
