#!/usr/bin/env bash
# Times the ffmpeg.wasm thumbnail job (shared/fixtures/ffmpeg/EXPECTED.md)
# with `regwasm run` against the CLIs of wasmi 2.x and wasmi 0.31 (and
# `wasmtime run` if one is on PATH). Runs alternate between engines; every
# run's PNG is checked against the expected sha256. Prints each engine's
# median wall time and its ratio to regwasm's.
#
#   benches/ffmpeg.sh
#
# Environment:
#   FFMPEG_RUNS=N             runs per engine (default 3)
#   FFMPEG_TIMEOUT=S          seconds before a run is killed (default 600)
#   FFMPEG_TIMEOUT_WASMI031=S the same for wasmi 0.31 (default 1200)
#   FFMPEG_ENGINES="..."      subset of: regwasm wasmi-2 wasmi-0.31 wasmtime
#   REGWASM_FFMPEG_DIR=DIR    the fixture (default ../shared/fixtures/ffmpeg)
#   FFMPEG_TOOLS_DIR=DIR      where the wasmi CLIs are installed
#                             (default benches/.tools, gitignored)
#   WASMI2_VERSION, WASMI031_VERSION  (default 2.0.0 and 0.31.2)
#
# The wasmi CLIs are installed on first use with
# `cargo install --locked --root $FFMPEG_TOOLS_DIR/wasmi-VERSION wasmi_cli`.
# An engine that cannot be installed or fails a run is reported and the
# script goes on; it exits non-zero if any run failed.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$bench_dir/.." && pwd)"
fixtures="${REGWASM_FFMPEG_DIR:-$repo_root/../shared/fixtures/ffmpeg}"
tools="${FFMPEG_TOOLS_DIR:-$bench_dir/.tools}"
runs="${FFMPEG_RUNS:-3}"
timeout_default="${FFMPEG_TIMEOUT:-600}"
timeout_wasmi031="${FFMPEG_TIMEOUT_WASMI031:-1200}"
wasmi2_version="${WASMI2_VERSION:-2.0.0}"
wasmi031_version="${WASMI031_VERSION:-0.31.2}"
engines="${FFMPEG_ENGINES:-regwasm wasmi-2 wasmi-0.31 wasmtime}"

video="video-1080p-60fps-2s.mp4"
args=(-loglevel error -i "$video" -ss 1 -vframes 1 out-%03d.png)
output="out-001.png"
expected_sha="f53da2af97aa7149809bdc6ee290ea66049650602d0da7cebf09225166de8884"

for f in ffmpeg.wasm "$video" EXPECTED.md; do
    if [[ ! -f "$fixtures/$f" ]]; then
        echo "error: $fixtures/$f is missing (set REGWASM_FFMPEG_DIR)" >&2
        exit 1
    fi
done
if ! grep -q "$expected_sha" "$fixtures/EXPECTED.md"; then
    echo "error: EXPECTED.md no longer lists $expected_sha for $output" >&2
    exit 1
fi

# ---- engines: name -> command prefix (module and guest args follow)
declare -A cmd
declare -A sep # what goes between the module and the guest's arguments
declare -A timeout_of
declare -A banner # a line the CLI itself prints on stdout (not the guest)

if [[ " $engines " == *" regwasm "* ]]; then
    echo "==> building regwasm (release)" >&2
    (cd "$repo_root" && nice -n 10 cargo build --release -j2 -q -p regwasm-cli)
    cmd[regwasm]="$repo_root/target/release/regwasm run --dir .::. --argv0 ffmpeg"
    sep[regwasm]="--"
fi

# Installs wasmi_cli VERSION (once) and prints its binary: `wasmi` since
# 0.32, `wasmi_cli` before.
install_wasmi() {
    local version="$1" root="$tools/wasmi-$1"
    if [[ ! -x "$root/bin/wasmi" && ! -x "$root/bin/wasmi_cli" ]]; then
        echo "==> cargo install wasmi_cli $version into $root" >&2
        mkdir -p "$root"
        if ! nice -n 10 cargo install --locked --quiet --root "$root" -j2 \
            wasmi_cli --version "$version" >&2; then
            return 1
        fi
    fi
    local bin
    for bin in "$root/bin/wasmi" "$root/bin/wasmi_cli"; do
        if [[ -x "$bin" ]]; then
            echo "$bin"
            return 0
        fi
    done
    return 1
}

failed_engines=()
if [[ " $engines " == *" wasmi-2 "* ]]; then
    if bin="$(install_wasmi "$wasmi2_version")"; then
        # wasmi 2's CLI has a `run` subcommand; the guest path of `--dir` is
        # the path as given, so `.` from inside the work directory.
        cmd[wasmi-2]="$bin run --dir ."
    else
        echo "FAIL wasmi-2: cargo install wasmi_cli $wasmi2_version failed" >&2
        failed_engines+=(wasmi-2)
    fi
fi
if [[ " $engines " == *" wasmi-0.31 "* ]]; then
    if bin="$(install_wasmi "$wasmi031_version")"; then
        cmd[wasmi-0.31]="$bin --dir ."
        sep[wasmi-0.31]="--"
        banner[wasmi-0.31]='^executing .*::_start\(\) \.\.\.$'
        timeout_of[wasmi-0.31]="$timeout_wasmi031"
    else
        echo "FAIL wasmi-0.31: cargo install wasmi_cli $wasmi031_version failed" >&2
        failed_engines+=(wasmi-0.31)
    fi
fi
if [[ " $engines " == *" wasmtime "* ]]; then
    if command -v wasmtime >/dev/null 2>&1; then
        cmd[wasmtime]="wasmtime run --dir .::."
    else
        echo "SKIPPED wasmtime: no wasmtime on PATH" >&2
    fi
fi

order=()
for e in regwasm wasmi-2 wasmi-0.31 wasmtime; do
    [[ -n "${cmd[$e]:-}" ]] && order+=("$e")
done
if [[ ${#order[@]} -eq 0 ]]; then
    echo "error: no engine to run" >&2
    exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
declare -A times
declare -A fails

# One run of one engine in a fresh directory; prints the wall time in
# seconds, or returns non-zero with a reason on stderr.
run_once() {
    local engine="$1" dir="$work/$1"
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$fixtures/$video" "$dir/"
    local t0 t1 status=0
    t0="$(date +%s.%N)"
    # shellcheck disable=SC2086 # the command prefix is split on purpose
    (cd "$dir" && timeout "${timeout_of[$engine]:-$timeout_default}" \
        ${cmd[$engine]} "$fixtures/ffmpeg.wasm" ${sep[$engine]:-} "${args[@]}" \
        >"$work/$engine.stdout" 2>"$work/$engine.stderr") || status=$?
    t1="$(date +%s.%N)"
    if [[ $status -eq 124 ]]; then
        echo "timed out after ${timeout_of[$engine]:-$timeout_default} s" >&2
        return 1
    fi
    if [[ $status -ne 0 ]]; then
        echo "exit status $status; stderr: $(head -c 400 "$work/$engine.stderr")" >&2
        return 1
    fi
    if [[ ! -f "$dir/$output" ]]; then
        echo "no $output written; stderr: $(head -c 400 "$work/$engine.stderr")" >&2
        return 1
    fi
    local sha
    sha="$(sha256sum "$dir/$output" | cut -d' ' -f1)"
    if [[ "$sha" != "$expected_sha" ]]; then
        echo "$output has sha256 $sha, expected $expected_sha" >&2
        return 1
    fi
    if [[ -n "${banner[$engine]:-}" ]]; then
        grep -Ev "${banner[$engine]}" "$work/$engine.stdout" >"$work/$engine.guest" || true
        mv "$work/$engine.guest" "$work/$engine.stdout"
    fi
    if [[ -s "$work/$engine.stdout" || -s "$work/$engine.stderr" ]]; then
        echo "unexpected output: $(head -c 400 "$work/$engine.stdout" "$work/$engine.stderr")" >&2
        return 1
    fi
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

echo "==> ffmpeg ${args[*]}  ($runs runs per engine, alternating: ${order[*]})" >&2
echo "    load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((i = 1; i <= runs; i++)); do
    for e in "${order[@]}"; do
        if t="$(run_once "$e" 2>"$work/reason")"; then
            printf '    run %d %-11s %8.2f s  sha256 ok\n' "$i" "$e" "$t" >&2
            times[$e]="${times[$e]:-} $t"
        else
            printf '    run %d %-11s FAIL: %s\n' "$i" "$e" "$(cat "$work/reason")" >&2
            fails[$e]=$((${fails[$e]:-0} + 1))
        fi
    done
done

median() {
    tr ' ' '\n' | grep -v '^$' | sort -g | awk '
        { x[NR] = $1 }
        END { if (NR == 0) exit 1; print (NR % 2) ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2 }'
}

echo
echo "ffmpeg.wasm PNG thumbnail ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-12s %6s %10s %12s %s\n' engine runs "median s" "× regwasm" "failures"
base=""
if [[ -n "${times[regwasm]:-}" ]]; then
    base="$(echo "${times[regwasm]}" | median)"
fi
status=0
for e in "${order[@]}"; do
    n="$(echo "${times[$e]:-}" | wc -w)"
    if [[ $n -gt 0 ]]; then
        m="$(echo "${times[$e]}" | median)"
        ratio="–"
        [[ -n "$base" ]] && ratio="$(awk -v m="$m" -v b="$base" 'BEGIN { printf "%.2f", m / b }')"
        printf '%-12s %6d %10.2f %12s %s\n' "$e" "$n" "$m" "$ratio" "${fails[$e]:-0}"
    else
        printf '%-12s %6d %10s %12s %s\n' "$e" 0 FAIL – "${fails[$e]:-0}"
    fi
    [[ ${fails[$e]:-0} -gt 0 ]] && status=1
done
for e in "${failed_engines[@]}"; do
    printf '%-12s %6d %10s %12s %s\n' "$e" 0 "not installed" – –
    status=1
done
exit $status
