#!/usr/bin/env bash
# A one-node Slurm on this machine, for cone's integration test (test/launch/slurm.test.ts) and for
# trying `cone run --launcher slurm` without a cluster. Needs root and Debian's slurm-wlm and munge;
# works without systemd or cgroups.
#   scripts/slurm-local.sh start    write /etc/slurm/slurm.conf, start munged, slurmctld and slurmd
#   scripts/slurm-local.sh stop     stop the daemons it started
#   scripts/slurm-local.sh status   exit 0 when the node takes jobs
# start exits 3 when /etc/slurm/slurm.conf was written by someone else (this machine has its own Slurm:
# start that one's daemons instead; the test then uses it as it is).
# State and logs go to $CONE_SLURM_DIR (default /var/lib/cone-slurm).
set -euo pipefail
dir=${CONE_SLURM_DIR:-/var/lib/cone-slurm}
conf=/etc/slurm/slurm.conf
marker='# written by cone scripts/slurm-local.sh'

die() { echo "slurm-local: $*" >&2; exit 1; }

node_ready() {
  # The node has registered and is not down or drained.
  sinfo -h -N -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated|completing)'
}

munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

write_conf() {
  if [ -f "$conf" ] && ! grep -qF "$marker" "$conf"; then
    echo "slurm-local: $conf was not written by this script: this machine has its own Slurm, whose node takes no jobs; start its daemons (munged, slurmctld, slurmd as that slurm.conf says), and it is used as it is" >&2
    exit 3
  fi
  local host node
  host=$(hostname -s)
  # slurmd -C reports the node as slurmd sees it (CPUs, sockets, cores, memory): use it verbatim.
  node=$(slurmd -C | head -n1)
  local cpus mem
  cpus=$(sed -E 's/.* CPUs=([0-9]+).*/\1/' <<<"$node")
  mem=$(sed -E 's/.* RealMemory=([0-9]+).*/\1/' <<<"$node")
  mkdir -p /etc/slurm "$dir/state" "$dir/spool"
  cat > "$conf" <<CONF
$marker
ClusterName=cone-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# Also how long a requeued job waits before it may start again (default 120 s): short for the test.
AuthInfo=cred_expire=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
# No systemd, no cgroups: track processes by their parent ids, no task confinement.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# No slurmdbd: no accounting (sacct says so); finished jobs are also logged to a text file.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.log
# Schedule single cpus, so two one-cpu tasks share the node.
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
# Without a default a job is given the whole node's memory, and jobs would run one at a time.
DefMemPerCPU=$((mem / cpus))
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
# Seconds between SIGTERM and SIGKILL when a job is cancelled or times out: time to write a checkpoint.
KillWait=30
$node State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

start_munge() {
  if munge_ok; then return; fi
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge
  runuser -u munge -- /usr/sbin/munged
  # Remembered so that stop ends only a munged this script started.
  touch "$dir/munged-started"
  for _ in $(seq 50); do munge_ok && return; sleep 0.1; done
  die "munged did not come up (see /var/log/munge/munged.log)"
}

start() {
  command -v slurmctld >/dev/null && command -v munged >/dev/null || die "Slurm or munge is not installed: apt-get install -y slurm-wlm munge"
  [ "$(id -u)" -eq 0 ] || die "must run as root (it starts system daemons)"
  if node_ready; then echo "slurm-local: already running"; return; fi
  write_conf
  start_munge
  pgrep -F "$dir/slurmctld.pid" >/dev/null 2>&1 || slurmctld
  pgrep -F "$dir/slurmd.pid" >/dev/null 2>&1 || slurmd
  for _ in $(seq 100); do
    if node_ready; then echo "slurm-local: node $(hostname -s) is up ($(sinfo -h -o '%c') cpus)"; return; fi
    # A node that was down when the controller last ran comes back on its own (ReturnToService=2); nudge it.
    scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1 || true
    sleep 0.2
  done
  die "the node did not come up; see $dir/slurmctld.log and $dir/slurmd.log"
}

stop() {
  local f
  for f in "$dir/slurmd.pid" "$dir/slurmctld.pid"; do
    [ -f "$f" ] && pkill -F "$f" 2>/dev/null || true
  done
  for _ in $(seq 50); do
    pgrep -F "$dir/slurmd.pid" >/dev/null 2>&1 || pgrep -F "$dir/slurmctld.pid" >/dev/null 2>&1 || break
    sleep 0.2
  done
  if [ -f "$dir/munged-started" ]; then
    pkill -F /run/munge/munged.pid 2>/dev/null || true
    rm -f "$dir/munged-started"
  fi
  echo "slurm-local: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) node_ready ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
