"""Benchmark: coinpilot-tf's retry loop against the plain `terraform apply -auto-approve` loop and the
runbook's own approach, a bash loop that calls `oci compute instance launch` once per attempt.

Each contender makes N attempts against its own simulated cloud, in which every LaunchInstance call
of attempts 1..N-1 answers "Out of host capacity" and attempt N wins:
- coinpilot-tf: `retry` with zero waits, run in this process the way the CLI runs it, with a thin
  timing wrapper around Terraform.execute. Its own time per attempt is the attempt's wall time minus
  the time spent inside Terraform.execute (which includes starting the subprocess).
- terraform apply loop: what Terraform-based grabbers run, `terraform apply -auto-approve` again and
  again on the module `coinpilot-tf render --simulate` wrote, with the tool's engine and environment.
- runbook: `oci compute instance launch` (oci-cli, its defaults) against `coinpilot-tf simulate serve`.
  oci-cli is not a dependency of the tool: the benchmark installs it once into its own virtualenv
  in the user's cache folder. Its SDK retries 429 and 5xx by itself, and "Out of host capacity" is
  a 500, so one attempt may make several calls: its cloud answers capacity to every call until
  attempt N begins (the benchmark then switches the scenario to ok).
- coinpilot-tf on the pg state backend: the same `retry`, STATE_BACKEND=pg, against a throwaway
  PostgreSQL server on 127.0.0.1 (scripts/postgres.py; left out without the server binaries) or the
  one --postgres names, in a schema of its own, in a thread that runs only while the main loop waits between its attempts. The backend's own cost per
  attempt: attempt k's wall time with pg minus attempt k's with local state (and pg / local), over
  the pairs, median and p90.
- Attempts are interleaved (coinpilot-tf attempt k, then the others' attempt k) so that all see
  the same load on a shared machine; the others' attempts run outside coinpilot-tf's timing.

Per attempt: wall time; API calls from each cloud's calls.jsonl by time window (a client's hidden
retries included); CPU seconds of everything the attempt ran (getrusage); peak RSS of everything
the attempt started, summed over its process tree, sampled from /proc every 25 ms (coinpilot-tf
runs in this process, so its tree includes the benchmark's own few MB).
Waiting: the three loops run for real with a one-hour interval (retry from an empty workdir, the
apply loop again on its module, without its state); once each waits after its failed first attempt,
the RSS of what waits (the retry process; bash and its sleep), and the retry
process's CPU time and wakeups (voluntary context switches) over a few seconds.
Also: RSS in-process at attempts 1, 10 and N; startup, `coinpilot-tf --help` against
`python -c "import click"`, alternated, median, and `-X importtime` for heavy modules.

One module per contender (coinpilot_tf, coinpilot_tf_pg, terraform_apply, runbook); compare interleaves
their attempts; processes and attempts run a command and measure it; waiting and startup measure the
rest; summary computes the report, output prints and writes it; cli is the command line.

Linux only (/proc). Usage, from the checkout: .venv/bin/python -m scripts.bench [--attempts 30] [--json bench.json]
A failed runbook attempt takes about 100 s (oci-cli's own backoff): use a modest --attempts.
"""
