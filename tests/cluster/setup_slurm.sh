#!/usr/bin/env bash
# A single-node Slurm cluster with accounting, for trying the workflow's Slurm profile
# (profiles/slurm) for real. Run as root on a Debian or Ubuntu machine:
#
#   sudo tests/cluster/setup_slurm.sh
#
# It installs munge, MariaDB, slurmdbd, slurmctld and slurmd from the distribution
# (packages slurm-wlm, slurmdbd, munge, mariadb-server), writes /etc/slurm/slurm.conf and
# /etc/slurm/slurmdbd.conf, creates the accounting database, registers the cluster, an
# account and the users in it, starts the daemons (through systemd where systemd runs,
# directly otherwise) and submits one test job that must end COMPLETED in `sacct`.
#
# Accounting is not optional. profiles/slurm has snakemake-executor-plugin-slurm (2.8.0) read
# job states from `squeue` (`slurm-status-command: squeue`), which the plugin does only while
# MinJobAge (300 s here) is at least 120 s (three times its first 40 s pause between checks);
# below that, and without the profile, it asks `sacct`, which knows no job without slurmdbd,
# and it asks `sacct` for a failed job's node. tests/cluster/run_workflow.sh checks every
# job's final state with `sacct` (squeue forgets a job MinJobAge seconds after it ended).
#
# The node is this machine, `hostname -s`, with `nproc` CPUs and 90 % of its memory
# (RealMemory) in one partition, `compute`, the default partition and the one
# profiles/slurm names. Running the script again leaves a running cluster alone; a daemon
# is restarted only when its configuration file changed or it is not running.
#
# Environment (all optional):
#   SLURM_CLUSTER_NAME  cluster name             (default: descriptor)
#   SLURM_PARTITION     partition name           (default: compute)
#   SLURM_ACCOUNT_NAME  accounting account       (default: descriptor)
#   SLURM_NODE_CPUS     CPUs of the node         (default: nproc)
#   SLURM_NODE_MEM_MB   RealMemory of the node   (default: 90 % of MemTotal)
#   SLURM_USERS         users added to the account besides root and $SUDO_USER
#   SKIP_INSTALL=1      do not call apt-get (the packages are already installed)

set -euo pipefail

CLUSTER=${SLURM_CLUSTER_NAME:-descriptor}
PARTITION=${SLURM_PARTITION:-compute}
ACCOUNT=${SLURM_ACCOUNT_NAME:-descriptor}
NODE=$(hostname -s)
CPUS=${SLURM_NODE_CPUS:-$(nproc)}
MEM_TOTAL_MB=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
REAL_MEMORY=${SLURM_NODE_MEM_MB:-$((MEM_TOTAL_MB * 90 / 100))}
USERS="root ${SUDO_USER:-} ${SLURM_USERS:-}"

CONF_DIR=/etc/slurm
RUN_DIR=/run/slurm
LOG_DIR=/var/log/slurm
DB_NAME=slurm_acct_db
DB_USER=slurm

say() { printf '[setup_slurm] %s\n' "$*"; }
die() { printf '[setup_slurm] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (sudo $0)"
command -v apt-get >/dev/null || die "needs a Debian or Ubuntu machine (apt-get)"

if [ -d /run/systemd/system ]; then
    SYSTEMD=1
else
    SYSTEMD=0
fi

# ------------------------------------------------------------------------------------------
# packages
# ------------------------------------------------------------------------------------------
PACKAGES="slurm-wlm slurmdbd munge mariadb-server"
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    [ "${SKIP_INSTALL:-0}" = 1 ] && die "packages missing:$missing (SKIP_INSTALL=1)"
    say "installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
fi
say "slurm $(dpkg-query -W -f='${Version}' slurm-wlm), munge $(dpkg-query -W -f='${Version}' munge)," \
    "mariadb $(dpkg-query -W -f='${Version}' mariadb-server); systemd: $([ $SYSTEMD = 1 ] && echo yes || echo no)"

# ------------------------------------------------------------------------------------------
# helpers: write a file only when its content changes; start and stop daemons
# ------------------------------------------------------------------------------------------

# install_file DEST OWNER MODE < content ; returns 0 when the file changed, 1 when not
install_file() {
    local dest=$1 owner=$2 mode=$3 tmp
    tmp=$(mktemp)
    cat >"$tmp"
    if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then
        rm -f "$tmp"
        chown "$owner" "$dest"
        chmod "$mode" "$dest"
        return 1
    fi
    install -o "${owner%%:*}" -g "${owner##*:}" -m "$mode" "$tmp" "$dest"
    rm -f "$tmp"
    say "wrote $dest"
    return 0
}

pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# daemon_running NAME PIDFILE
daemon_running() {
    if [ $SYSTEMD = 1 ]; then
        systemctl is-active --quiet "$1"
    else
        pid_alive "$2"
    fi
}

# stop_daemon NAME PIDFILE : stops the daemon whose pid the pid file holds
stop_daemon() {
    local name=$1 pidfile=$2 pid
    if [ $SYSTEMD = 1 ]; then
        systemctl stop "$name" || true
        return
    fi
    pid_alive "$pidfile" || return 0
    pid=$(cat "$pidfile")
    say "stopping $name (pid $pid)"
    kill "$pid"
    for _ in $(seq 1 30); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 1
    done
    die "$name (pid $pid) did not stop"
}

# start_daemon NAME PIDFILE COMMAND... : starts the daemon unless it runs; the command
# daemonises itself
start_daemon() {
    local name=$1 pidfile=$2
    shift 2
    if daemon_running "$name" "$pidfile"; then
        say "$name is running"
        return
    fi
    say "starting $name"
    if [ $SYSTEMD = 1 ]; then
        systemctl enable --quiet "$name" || true
        systemctl start "$name"
    else
        "$@"
    fi
    for _ in $(seq 1 30); do
        daemon_running "$name" "$pidfile" && return 0
        sleep 1
    done
    die "$name did not start; see $LOG_DIR/$name.log"
}

# wait_for DESCRIPTION SECONDS COMMAND...
wait_for() {
    local what=$1 seconds=$2
    shift 2
    for _ in $(seq 1 "$seconds"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 1
    done
    die "timed out waiting for $what"
}

# ------------------------------------------------------------------------------------------
# munge
# ------------------------------------------------------------------------------------------
if [ ! -s /etc/munge/munge.key ]; then
    say "creating the munge key"
    mungekey --create --keyfile=/etc/munge/munge.key
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
start_daemon munge /run/munge/munged.pid runuser -u munge -- /usr/sbin/munged
wait_for "munge to answer" 30 sh -c 'munge -n | unmunge'

# ------------------------------------------------------------------------------------------
# MariaDB on 127.0.0.1 and the accounting database
# ------------------------------------------------------------------------------------------
MYSQL_CONF=/etc/mysql/mariadb.conf.d/60-slurmdbd.cnf
mysql_changed=0
if install_file "$MYSQL_CONF" root:root 0644 <<'EOF'; then mysql_changed=1; fi
# written by setup_slurm.sh: the Slurm accounting database (slurmdbd) on this machine only
[mysqld]
bind-address = 127.0.0.1
innodb_lock_wait_timeout = 900
EOF

mysql_ping() { mysqladmin --protocol=socket ping >/dev/null 2>&1; }
if [ $SYSTEMD = 1 ]; then
    systemctl enable --quiet mariadb || true
    if [ $mysql_changed = 1 ] && mysql_ping; then
        systemctl restart mariadb
    else
        systemctl start mariadb
    fi
else
    if [ $mysql_changed = 1 ] && mysql_ping; then
        say "restarting mariadb (configuration changed)"
        mysqladmin --protocol=socket shutdown
        wait_for "mariadb to stop" 60 sh -c '! mysqladmin --protocol=socket ping'
    fi
    if mysql_ping; then
        say "mariadb is running"
    else
        install -d -o mysql -g mysql -m 0755 /run/mysqld
        if [ ! -d /var/lib/mysql/mysql ]; then
            say "initialising the mariadb data directory"
            mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
        fi
        say "starting mariadb"
        setsid mysqld_safe >/var/log/mysql-safe.log 2>&1 </dev/null &
    fi
fi
wait_for "mariadb to answer" 60 mysql_ping

DBD_CONF=$CONF_DIR/slurmdbd.conf
DB_PASS=""
[ -f "$DBD_CONF" ] && DB_PASS=$(sed -n 's/^StoragePass=//p' "$DBD_CONF")
[ -n "$DB_PASS" ] || DB_PASS=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
mysql --protocol=socket <<EOF
CREATE DATABASE IF NOT EXISTS $DB_NAME;
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
ALTER USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
GRANT ALL PRIVILEGES ON $DB_NAME.* TO '$DB_USER'@'localhost';
GRANT ALL PRIVILEGES ON $DB_NAME.* TO '$DB_USER'@'127.0.0.1';
FLUSH PRIVILEGES;
EOF
say "database $DB_NAME and user $DB_USER ready on 127.0.0.1"

# ------------------------------------------------------------------------------------------
# Slurm configuration
# ------------------------------------------------------------------------------------------
install -d -o root -g root -m 0755 "$CONF_DIR"
install -d -o slurm -g slurm -m 0755 "$RUN_DIR" "$LOG_DIR" /var/spool/slurmctld
if [ $SYSTEMD = 1 ]; then
    # /run is emptied at boot: let systemd recreate the pid file directory
    echo "d $RUN_DIR 0755 slurm slurm -" >/etc/tmpfiles.d/slurm-pid.conf
fi
install -d -o root -g root -m 0755 /var/spool/slurmd

dbd_changed=0
if install_file "$DBD_CONF" slurm:slurm 0600 <<EOF; then dbd_changed=1; fi
# written by setup_slurm.sh: accounting daemon of the single-node test cluster
AuthType=auth/munge
DbdHost=localhost
DbdPort=6819
SlurmUser=slurm
PidFile=$RUN_DIR/slurmdbd.pid
LogFile=$LOG_DIR/slurmdbd.log
DebugLevel=info
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=3306
StorageUser=$DB_USER
StoragePass=$DB_PASS
StorageLoc=$DB_NAME
EOF

slurm_changed=0
if install_file "$CONF_DIR/slurm.conf" root:root 0644 <<EOF; then slurm_changed=1; fi
# written by setup_slurm.sh: one node ($NODE), partition $PARTITION, accounting through slurmdbd
ClusterName=$CLUSTER
SlurmctldHost=$NODE
SlurmUser=slurm
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
MailProg=/bin/true
SlurmctldPidFile=$RUN_DIR/slurmctld.pid
SlurmdPidFile=$RUN_DIR/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# accounting: sacct, the Slurm executor's status command where MinJobAge is short (it reads
# squeue with profiles/slurm here) and the checks' record of every job
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=6819
AccountingStorageEnforce=associations
# keep the job comment (the executor writes rule and wildcards there): sacct -o Comment
AccountingStoreFlags=job_comment
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# finished jobs stay visible to squeue/scontrol for a while, in sacct for good; the executor
# reads states from squeue only at 120 s or more (profiles/slurm asks for more than 180 s)
MinJobAge=300
NodeName=$NODE CPUs=$CPUS RealMemory=$REAL_MEMORY State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF

# ------------------------------------------------------------------------------------------
# slurmdbd, then the cluster, account and users, then slurmctld and slurmd
# ------------------------------------------------------------------------------------------
if [ $dbd_changed = 1 ] && daemon_running slurmdbd "$RUN_DIR/slurmdbd.pid"; then
    stop_daemon slurmdbd "$RUN_DIR/slurmdbd.pid"
fi
start_daemon slurmdbd "$RUN_DIR/slurmdbd.pid" /usr/sbin/slurmdbd
wait_for "slurmdbd to answer" 60 sacctmgr -n show cluster

sacct_has() { [ -n "$(sacctmgr -n -P "$@" 2>/dev/null)" ]; }
sacct_has show cluster "$CLUSTER" format=cluster || sacctmgr -i add cluster "$CLUSTER"
sacct_has show account "$ACCOUNT" format=account ||
    sacctmgr -i add account "$ACCOUNT" Cluster="$CLUSTER" Description="workflow tests" Organization=none
for user in $USERS; do
    id "$user" >/dev/null 2>&1 || die "no such user: $user"
    sacct_has show assoc where cluster="$CLUSTER" account="$ACCOUNT" user="$user" format=user ||
        sacctmgr -i add user "$user" Account="$ACCOUNT" Cluster="$CLUSTER"
    # the account becomes the user's default (the executor plugin reads it)
    sacctmgr -i modify user where name="$user" cluster="$CLUSTER" set DefaultAccount="$ACCOUNT" >/dev/null || true
done

for daemon in slurmctld slurmd; do
    if [ $slurm_changed = 1 ] && daemon_running $daemon "$RUN_DIR/$daemon.pid"; then
        stop_daemon $daemon "$RUN_DIR/$daemon.pid"
    fi
    start_daemon $daemon "$RUN_DIR/$daemon.pid" /usr/sbin/$daemon
done
wait_for "slurmctld to answer" 60 scontrol ping

node_ready() {
    case "$(sinfo -h -n "$NODE" -o %T 2>/dev/null)" in
        idle* | mixed* | allocated* | completing*) return 0 ;;
        *) return 1 ;;
    esac
}
ready=0
for _ in $(seq 1 30); do
    node_ready && { ready=1; break; }
    sleep 1
done
if [ $ready = 0 ]; then
    say "node $NODE is $(sinfo -h -n "$NODE" -o %T); resuming it"
    scontrol update NodeName="$NODE" State=RESUME || true
    wait_for "node $NODE to become idle" 60 node_ready
fi

# ------------------------------------------------------------------------------------------
# check: one job through sbatch, COMPLETED in sacct
# ------------------------------------------------------------------------------------------
job=$(sbatch --parsable --partition="$PARTITION" --account="$ACCOUNT" --ntasks=1 --cpus-per-task=1 \
    --mem=100 --time=2 --output=/dev/null --wait --wrap "true")
job=${job%%;*}
state=""
for _ in $(seq 1 30); do
    state=$(sacct -n -X -P -j "$job" -o State 2>/dev/null | head -n 1)
    [ "$state" = COMPLETED ] && break
    sleep 1
done
[ "$state" = COMPLETED ] || die "test job $job is '${state:-unknown}' in sacct, not COMPLETED"

say "ready: cluster $CLUSTER, node $NODE (CPUs=$CPUS, RealMemory=$REAL_MEMORY MB), partition $PARTITION," \
    "account $ACCOUNT; test job $job COMPLETED"
sinfo -N -o "%N %P %T %c %m"
