"""The tests' PostgreSQL server: the development helper the benchmark shares (scripts/postgres.py)."""

from scripts.postgres import PostgresServer, running_server, server_binaries

__all__ = ["PostgresServer", "running_server", "server_binaries"]
