import type { QueryRunner, TableColumnOptions } from "typeorm";

export type DriverKind = "mysql" | "sqlite";

export function driverKindOf(queryRunner: QueryRunner): DriverKind {
  const type = queryRunner.connection.driver.options.type;
  return type === "mysql" || type === "mariadb" ? "mysql" : "sqlite";
}

/**
 * Column definitions for the schema builder that mean the same on MySQL/MariaDB and SQLite.
 * On MySQL every string column names its charset, because MariaDB 10.11 still defaults to
 * latin1; keys compare exactly (utf8mb4_bin) so "Abc" and "abc" stay distinct idempotency
 * keys, while human text uses a case-insensitive collation.
 */
export function columnKit(kind: DriverKind) {
  const mysql = kind === "mysql";
  const exact = mysql ? { charset: "utf8mb4", collation: "utf8mb4_bin" } : {};
  const human = mysql ? { charset: "utf8mb4", collation: "utf8mb4_unicode_ci" } : {};
  return {
    autoId(name = "id"): TableColumnOptions {
      return {
        name,
        type: mysql ? "int" : "integer",
        isPrimary: true,
        isGenerated: true,
        generationStrategy: "increment",
      };
    },
    /** An identifier-like string compared byte for byte. */
    key(name: string, length: number, nullable = false): TableColumnOptions {
      return { name, type: "varchar", length: String(length), isNullable: nullable, ...exact };
    },
    /** Lowercase hex SHA-256. */
    sha256(name: string): TableColumnOptions {
      return { name, type: mysql ? "char" : "varchar", length: "64", isNullable: false, ...exact };
    },
    /** Short human text (searched case-insensitively). */
    varchar(name: string, length: number, nullable = false): TableColumnOptions {
      return { name, type: "varchar", length: String(length), isNullable: nullable, ...human };
    },
    /** Human text up to a few KB. */
    text(name: string, nullable = false): TableColumnOptions {
      return { name, type: "text", isNullable: nullable, ...human };
    },
    /** Serialised JSON; unbounded on MySQL (TEXT would stop at 64 KB). */
    json(name: string, nullable = false): TableColumnOptions {
      return { name, type: mysql ? "longtext" : "text", isNullable: nullable, ...exact };
    },
    int(name: string, defaultValue?: number): TableColumnOptions {
      return {
        name,
        type: mysql ? "int" : "integer",
        isNullable: false,
        ...(defaultValue === undefined ? {} : { default: defaultValue }),
      };
    },
    bigint(name: string): TableColumnOptions {
      return { name, type: "bigint", isNullable: false };
    },
    bool(name: string, defaultValue: boolean): TableColumnOptions {
      return { name, type: mysql ? "tinyint" : "boolean", isNullable: false, default: defaultValue ? 1 : 0 };
    },
    /** UTC, millisecond precision on MySQL; SQLite keeps TypeORM's "YYYY-MM-DD HH:MM:SS.SSS" text. */
    datetime(name: string, nullable = false): TableColumnOptions {
      return { name, type: "datetime", isNullable: nullable, ...(mysql ? { precision: 3 } : {}) };
    },
  };
}
