#!/usr/bin/env bash
# What the test suite needs from Debian, installed when missing (CI starts clean):
# Chromium for the browser tests, PostgreSQL with PostGIS for the database tests
# (the tests start their own throwaway server), gdal-bin for ogrinfo's check of
# allocation.gpkg. No CJK font: pages and charts carry landplan's own.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || need+=(postgresql-postgis)
command -v ogrinfo >/dev/null 2>&1 || need+=(gdal-bin)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "installing from Debian: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
