#!/usr/bin/env bash
# Installs the Debian packages citywatch's local services and tests use, when missing:
# Maven (fetches Kafka and Elasticsearch from Maven Central), a Java runtime, kcat (an
# independent Kafka client for tests), docker-compose (validates docker-compose.yml), and
# Chromium with a CJK font for the dashboard's browser tests.
set -euo pipefail

need=()
command -v mvn >/dev/null || need+=(maven)
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
command -v kcat >/dev/null || command -v kafkacat >/dev/null || need+=(kcat)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v unzip >/dev/null || need+=(unzip)
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${need[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
