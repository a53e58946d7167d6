"""gongkai: 政务公开 automation."""
__version__ = "0.1.0"
