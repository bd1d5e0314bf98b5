"""jifen — 积分制管理平台, a points-based management platform."""

__version__ = "0.1.0"
