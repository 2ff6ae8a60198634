# Shared by the scripts: paths and the environment of the project venv. Source it, do not run it.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="${HOOKBOX_VENV:-$repo/.venv}"
export PATH="$venv/bin:$PATH"
export SAM_CLI_TELEMETRY=0
# One target dir for cargo, cargo lambda and sam build, so nothing is compiled twice.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
