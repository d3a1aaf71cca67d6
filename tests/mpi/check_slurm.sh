#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make check-slurm: the distributed run under Slurm, as a cluster starts it. A one-node Slurm
# (munged, slurmctld, slurmd, all on this machine with their files, keys and logs in a
# temporary folder) inside a network namespace of loopback only (`unshare -n`), then
# `srun --mpi=pmix -n N reprint cluster ...` (PMIx: Open MPI's launcher is not involved) at
# every level on the five seeds mixed into 3,000 Reuters stories, N = 2 and 4, each compared
# byte for byte with one process, and the ranks' own report (-v) checked for N ranks.
# Env: REPRINT (an RP_WITH_MPI build), SRCDIR; SHARED (default $SRCDIR/../shared). Needs root
# (the namespace) and Debian's slurmd slurmctld slurm-client munge (sh scripts/install-deps.sh
# slurmd slurmctld slurm-client munge).
if [ "${1:-}" != inside ]; then
    # everything runs in a new network namespace: only lo, brought up there
    [ "$(id -u)" = 0 ] || { echo "FAIL: check-slurm makes a network namespace: run as root" >&2; exit 1; }
    for c in unshare ip; do
        command -v "$c" >/dev/null || { echo "FAIL: $c not found" >&2; exit 1; }
    done
    exec unshare -n bash -c 'ip link set lo up && exec bash "$0" inside' "$0"
fi
source "$SRCDIR/tests/shared/common.bash"
[ -d "$SHARED/seeds" ] || fail "$SHARED/seeds is missing (check-slurm needs ../shared)"
for c in munged slurmctld slurmd srun sinfo cc; do
    command -v "$c" >/dev/null ||
        fail "$c not found (sh scripts/install-deps.sh slurmd slurmctld slurm-client munge)"
done
cd "$T"
cc -shared -fPIC -O2 -o noaddrconfig.so "$SRCDIR/tests/mpi/noaddrconfig.c" -ldl ||
    fail "cannot build the lookup shim"
export LD_PRELOAD=$T/noaddrconfig.so
D=$T/slurm
mkdir -p "$D/state" "$D/spool"
H=$(hostname -s)
head -c 1024 /dev/urandom >"$D/munge.key"
chmod 600 "$D/munge.key"
stop() { # the daemons exit in their own time: wait (bounded) before removing their folder
    local rc=$? pids="" p
    set +e
    for p in slurmd slurmctld munged; do
        if [ -f "$D/$p.pid" ]; then pids="$pids $(cat "$D/$p.pid")"; fi
    done
    if [ -n "$pids" ]; then
        kill $pids 2>/dev/null
        for p in $pids; do
            for _ in $(seq 1 40); do
                kill -0 "$p" 2>/dev/null || break
                sleep 0.25
            done
            kill -9 "$p" 2>/dev/null
        done
    fi
    rm -rf "$T" 2>/dev/null || { sleep 1; rm -rf "$T"; }
    exit "$rc"
}
trap stop EXIT
munged --force --socket="$D/munge.sock" --key-file="$D/munge.key" --pid-file="$D/munged.pid" \
    --log-file="$D/munged.log" --seed-file="$D/munge.seed" || fail "munged did not start"
cat >"$D/slurm.conf" <<CONF
ClusterName=rptest
SlurmctldHost=$H(127.0.0.1)
SlurmctldPort=46817
SlurmdPort=46818
AuthType=auth/munge
AuthInfo=socket=$D/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
SlurmdParameters=config_overrides
CommunicationParameters=NoInAddrAny
NodeName=$H NodeAddr=127.0.0.1 CPUs=8 State=UNKNOWN
PartitionName=test Nodes=$H Default=YES MaxTime=10 State=UP OverSubscribe=YES
CONF
export SLURM_CONF=$D/slurm.conf
slurmctld -c -i || fail "slurmctld did not start ($(tail -3 "$D/slurmctld.log"))"
slurmd -c || fail "slurmd did not start ($(tail -3 "$D/slurmd.log"))"
# wait (bounded) for the node to be idle
for _ in $(seq 1 60); do
    sinfo -h -o %T 2>/dev/null | grep -q idle && break
    sleep 0.5
done
sinfo -h -o %T | grep -q idle || fail "the Slurm node did not come up ($(tail -3 "$D/slurmd.log"))"

seeds_mix mix.jsonl
n_cases=0
for level in exact near reuse story; do
    "$REPRINT" cluster -q --level "$level" --threads 1 -o "ref.$level" mix.jsonl ||
        fail "$level: one process"
    for n in 2 4; do
        rm -f "got.$level"
        timeout 600 srun --mpi=pmix -n "$n" "$REPRINT" cluster -v --level "$level" --threads 1 \
            -o "got.$level" mix.jsonl 2>err || fail "$level, srun -n $n: exit $? ($(tail -3 err))"
        cmp -s "ref.$level" "got.$level" || fail "$level, srun -n $n: output differs from one process"
        ranks=$(grep -c '^reprint: rank [0-9]*:' err || true)
        [ "$ranks" = "$n" ] || fail "$level, srun -n $n: $ranks ranks reported, not $n"
        n_cases=$((n_cases + 1))
    done
done
echo "check-slurm: $n_cases runs under srun --mpi=pmix (N = 2, 4; every level) identical to one process"
