"""Development tools beside the product, run from the checkout: the benchmark (`python -m scripts.bench`)
and the throwaway PostgreSQL server it shares with the tests. Never installed, never imported by
orchestrator/; a regular package, so that nothing installed under the same name can stand in for it."""
