#!/bin/bash
# The reporting host's first boot: EC2 user data. The planner renders it into the launch
# template, with the environment's DAP_* settings (required below) exported above this comment.
#
# 1. installs Python's AWS SDK and openssl from the distribution (the host reaches only its
#    VPC endpoints; Amazon Linux's package mirror is in S3, behind the gateway endpoint);
# 2. downloads the report builder from the assets bucket, checking each file's sha256;
# 3. makes a self-signed TLS certificate for the host's name, unless one is already there
#    (put the City's own certificate and key in /etc/dap-report/tls/ to replace it);
# 4. writes and starts three systemd units: dap-report-refresh.timer rebuilds the report after
#    each curate run (polling every DAP_REFRESH_MINUTES), dap-report-serve.service serves it
#    over HTTPS on 443 to the networks the security group allows.
#
# Off the host (the tests): DAP_ROOT=/tmp/x writes every file under /tmp/x, DAP_PACKAGES=0
# skips the package install, DAP_SYSTEMD=0 writes the units without starting them, and
# DAP_BIND/DAP_PORT choose where the server listens.
set -euo pipefail

: "${DAP_REGION:?}" "${DAP_ASSETS_BUCKET:?}" "${DAP_REPORT_FILES:?}" "${DAP_WORKGROUP:?}"
: "${DAP_DATABASE:?}" "${DAP_QUALITY_URI:?}" "${DAP_CURATE_JOB:?}" "${DAP_REFRESH_MINUTES:?}"
ROOT=${DAP_ROOT:-}
PYTHON=${DAP_PYTHON:-/usr/bin/python3}
BIND=${DAP_BIND:-0.0.0.0}
PORT=${DAP_PORT:-443}
USER_NAME=dap-report
APP=$ROOT/opt/dap-report
ETC=$ROOT/etc/dap-report
STATE=$ROOT/var/lib/dap-report
UNITS=$ROOT/etc/systemd/system

log() { echo "dap-report: $*" >&2; }

install_packages() {
  if [ "${DAP_PACKAGES:-1}" = 1 ]; then
    log "installing python3-boto3 and openssl"
    dnf install -y --setopt=install_weak_deps=False python3-boto3 openssl
  fi
}

create_user() {
  mkdir -p "$APP/report" "$ETC/tls" "$STATE" "$UNITS"
  if [ -z "$ROOT" ]; then
    id "$USER_NAME" >/dev/null 2>&1 ||
      useradd --system --home-dir /var/lib/dap-report --shell /sbin/nologin "$USER_NAME"
    chown "$USER_NAME:" "$STATE"
    chown "root:$USER_NAME" "$ETC/tls"
  fi
  chmod 0750 "$ETC/tls"
}

# DAP_REPORT_FILES: space-separated `path=key=sha256` (path relative to $APP).
fetch_builder() {
  log "downloading the report builder from s3://$DAP_ASSETS_BUCKET/"
  "$PYTHON" - "$APP" <<'PY'
import hashlib, os, sys
import boto3
app = sys.argv[1]
s3 = boto3.client("s3", region_name=os.environ["DAP_REGION"])
for item in os.environ["DAP_REPORT_FILES"].split():
    path, key, sha = item.split("=")
    body = s3.get_object(Bucket=os.environ["DAP_ASSETS_BUCKET"], Key=key)["Body"].read()
    if hashlib.sha256(body).hexdigest() != sha:
        sys.exit(f"dap-report: s3://{os.environ['DAP_ASSETS_BUCKET']}/{key}: sha256 differs from the plan's")
    dest = os.path.join(app, path)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest, "wb") as f:
        f.write(body)
PY
}

make_certificate() {
  if [ -s "$ETC/tls/cert.pem" ] && [ -s "$ETC/tls/key.pem" ]; then
    log "keeping the certificate in $ETC/tls"
  else
    local name
    name=$(hostname -f 2>/dev/null || hostname)
    log "making a self-signed certificate for $name"
    (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -days 397 -subj "/CN=$name" -addext "subjectAltName=DNS:$name" \
      -keyout "$ETC/tls/key.pem" -out "$ETC/tls/cert.pem" 2>/dev/null)
    chmod 0644 "$ETC/tls/cert.pem"
  fi
  if [ -z "$ROOT" ]; then chgrp "$USER_NAME" "$ETC/tls/key.pem" && chmod 0640 "$ETC/tls/key.pem"; fi
  log "certificate $(openssl x509 -noout -fingerprint -sha256 -in "$ETC/tls/cert.pem")"
}

write_settings() {
  cat >"$ETC/env" <<ENV
DAP_REGION=$DAP_REGION
DAP_CURATE_JOB=$DAP_CURATE_JOB
DAP_BUILD_ARGS=--athena --workgroup $DAP_WORKGROUP --database $DAP_DATABASE --region $DAP_REGION --quality-uri $DAP_QUALITY_URI
DAP_STATE=$STATE
DAP_APP=$APP
ENV
}

# The hardening every unit shares: no privilege gain, a read-only system, own /tmp.
HARDENING="NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"

write_units() {
  cat >"$UNITS/dap-report-refresh.service" <<UNIT
[Unit]
Description=dap: rebuild the insights report when the curate job has run since the last build
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
User=$USER_NAME
EnvironmentFile=$ETC/env
WorkingDirectory=$APP
ExecStart=$PYTHON $APP/refresh.py
ReadWritePaths=$STATE
$HARDENING
UNIT
  cat >"$UNITS/dap-report-refresh.timer" <<UNIT
[Unit]
Description=dap: look for a new curate run every $DAP_REFRESH_MINUTES minutes

[Timer]
OnBootSec=2min
OnUnitActiveSec=${DAP_REFRESH_MINUTES}min

[Install]
WantedBy=timers.target
UNIT
  cat >"$UNITS/dap-report-serve.service" <<UNIT
[Unit]
Description=dap: serve the insights report over HTTPS
Wants=network-online.target
After=network-online.target

[Service]
User=$USER_NAME
ExecStart=$PYTHON $APP/serve.py --root $STATE/site --cert $ETC/tls/cert.pem --key $ETC/tls/key.pem --bind $BIND --port $PORT
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
Restart=on-failure
RestartSec=5
$HARDENING

[Install]
WantedBy=multi-user.target
UNIT
}

start_units() {
  if [ "${DAP_SYSTEMD:-1}" = 1 ]; then
    systemctl daemon-reload
    systemctl enable --now dap-report-refresh.timer dap-report-serve.service
    systemctl start --no-block dap-report-refresh.service
  fi
}

install_packages
create_user
fetch_builder
make_certificate
write_settings
write_units
start_units
log "ready: https://$(hostname -f 2>/dev/null || hostname)/ (refresh every $DAP_REFRESH_MINUTES min)"
