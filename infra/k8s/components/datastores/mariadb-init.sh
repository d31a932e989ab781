#!/bin/bash
# The platform's MariaDB users, created once, on the first start of an empty data volume: the
# official mariadb image sources the *.sh files of /docker-entrypoint-initdb.d after it made
# root (MARIADB_ROOT_PASSWORD; MARIADB_ROOT_HOST=localhost keeps it off the network) and the
# database (MARIADB_DATABASE). The rights are those of infra/services/mariadb.sh
# (test/infra/datastores.test.ts compares them):
#   DB_APP_USER     (arcade) the API and worker processes: data and schema rights (migrations run
#                   at start) on MARIADB_DATABASE only; no GRANT, FILE, SUPER, PROCESS;
#   DB_READER_USER  (arcade_reader) SELECT only: for what only reads the desired state (a runtime
#                   node without the API; none ships today) and for tooling.
# Passwords from DB_APP_PASSWORD and DB_READER_PASSWORD (16+ letters or digits). A later change
# of a password is not applied here: ALTER USER by hand, or start from an empty volume.
# Sourced, not run: docker_process_sql (the image's) runs SQL as root over the socket, and an
# `exit` stops the entrypoint, so the container fails instead of starting without the users.

arcade_db_check() {
  local name="$1" value="${!1:-}"
  if ! [[ $value =~ ^[A-Za-z0-9]{16,}$ ]]; then
    echo "mariadb-init: $name must be 16 or more letters and digits (e.g. openssl rand -hex 16)" >&2
    exit 1
  fi
}
arcade_db_name_check() {
  local name="$1" value="${!1:-}"
  if ! [[ $value =~ ^[A-Za-z0-9_]{1,32}$ ]]; then
    echo "mariadb-init: $name must be 1 to 32 letters, digits or _" >&2
    exit 1
  fi
}

arcade_db_name_check MARIADB_DATABASE
arcade_db_name_check DB_APP_USER
arcade_db_name_check DB_READER_USER
arcade_db_check MARIADB_ROOT_PASSWORD
arcade_db_check DB_APP_PASSWORD
arcade_db_check DB_READER_PASSWORD

ARCADE_DB_RIGHTS="SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, REFERENCES, CREATE TEMPORARY TABLES, LOCK TABLES"

docker_process_sql <<SQL
CREATE USER '${DB_APP_USER}'@'%' IDENTIFIED BY '${DB_APP_PASSWORD}';
GRANT ${ARCADE_DB_RIGHTS} ON \`${MARIADB_DATABASE}\`.* TO '${DB_APP_USER}'@'%';
CREATE USER '${DB_READER_USER}'@'%' IDENTIFIED BY '${DB_READER_PASSWORD}';
GRANT SELECT ON \`${MARIADB_DATABASE}\`.* TO '${DB_READER_USER}'@'%';
FLUSH PRIVILEGES;
SQL
echo "mariadb-init: created ${DB_APP_USER} and ${DB_READER_USER} on ${MARIADB_DATABASE}"
