#!/usr/bin/env bash
# The runbook's entry point: launch the OCI Always Free A1.Flex instance, retrying until it exists.
#
# Reads the runbook's environment variables unchanged (OCI_PROFILE, COMPARTMENT_OCID, SUBNET_OCID,
# AVAILABILITY_DOMAIN, IMAGE_OCID, INSTANCE_NAME, OCPUS, MEMORY_GBS, RETRY_INTERVAL_SECONDS,
# MAX_ATTEMPTS, THROTTLE_*, DISCORD_*): coinpilot-tf reads them itself, so nothing is translated here.
# Arguments are passed on, e.g. --once or --simulate 'capacity*3,ok'. Exit codes are coinpilot-tf's.
set -euo pipefail

# A clone's own virtualenv (README: Quick start) works without activating it.
repo_venv="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.venv/bin"
if command -v coinpilot-tf >/dev/null 2>&1; then
  coinpilot_tf=coinpilot-tf
elif [ -x "$repo_venv/coinpilot-tf" ]; then
  coinpilot_tf="$repo_venv/coinpilot-tf"
else
  echo "coinpilot-tf is not installed: in the repository run" \
    "python3 -m venv .venv && .venv/bin/pip install -e . (see README.md, Quick start)" >&2
  exit 2
fi

exec "$coinpilot_tf" retry "$@"
