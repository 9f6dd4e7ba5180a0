"""redflag: finds promotional red-flag language in regenerative-medicine health writing."""

__version__ = "0.1.0"
